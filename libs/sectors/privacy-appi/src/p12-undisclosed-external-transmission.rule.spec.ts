import { DAY_MS } from '@kanshi/policy-sdk';
import { at, dataUsage, findingsOf, privacyEnv, START } from './privacy-test-support';

function notice(version: string, fields: readonly string[] | undefined, extra: Readonly<Record<string, unknown>> = {}) {
  return { event_type: 'disclosure' as const, payload: { kind: 'external_transmission_notice', version, ...(fields ? { fields } : {}), ...extra } };
}

function transmission(fieldsSent: readonly string[] | undefined, recipient = 'Ads SDK Inc') {
  return dataUsage({ dataset_id: 'web-tags', purpose: 'external_transmission', recipient_org: recipient, ...(fieldsSent ? { fields_sent: fieldsSent } : {}) });
}

describe('P12 third-party SDK sends a user field not in the published notice', () => {
  it('fires, high, per recipient, naming the fields the notice does not list', () => {
    const env = privacyEnv();
    env.send(notice('etn-2', ['device_id', 'page_url'], { published_time: at(START) }));
    env.send(transmission(['device_id', 'email_hash', 'page_url', 'email_hash']));

    expect(findingsOf(env, 'P12')).toHaveLength(1);
    expect(findingsOf(env, 'P12')[0]).toMatchObject({
      severity: 'high',
      scope: 'recipient:Ads SDK Inc',
      observed: { recipient: 'Ads SDK Inc', dataset_id: 'web-tags', undisclosed_fields: ['email_hash'], notice_version: 'etn-2', notice_published_at: at(START) },
    });
  });

  it('does not fire when every field sent is listed, or for other purposes', () => {
    const env = privacyEnv();
    env.send(notice('etn-2', ['device_id', 'page_url']));
    env.send(transmission(['device_id']));
    env.send(dataUsage({ purpose: 'training', fields_sent: ['email_hash'] }));

    expect(findingsOf(env, 'P12')).toEqual([]);
  });

  it('treats every field as undisclosed before any notice or with a notice listing none', () => {
    const env = privacyEnv();
    env.send(transmission(['device_id'], 'Analytics SDK'));
    env.send(notice('etn-1', undefined));
    env.send(transmission(['page_url']));

    expect(findingsOf(env, 'P12').map((f) => [f.scope, f.observed])).toEqual([
      ['recipient:Analytics SDK', expect.objectContaining({ undisclosed_fields: ['device_id'], notice_version: null })],
      ['recipient:Ads SDK Inc', expect.objectContaining({ undisclosed_fields: ['page_url'], notice_version: 'etn-1' })],
    ]);
  });

  it('skips transmissions that do not report the fields sent', () => {
    const env = privacyEnv();
    env.send(transmission(undefined));

    expect(findingsOf(env, 'P12')).toEqual([]);
  });

  it('applies a notice from its publication time, and remembers it across a restart', () => {
    const env = privacyEnv();
    env.send(notice('etn-1', ['device_id']));
    env.send(notice('etn-2', ['device_id', 'email_hash'], { published_time: at(START + DAY_MS) }));
    env.restart();
    env.send(transmission(['email_hash']));
    env.advance('1d');
    env.send(transmission(['email_hash']));

    expect(findingsOf(env, 'P12').map((f) => f.observed)).toEqual([expect.objectContaining({ undisclosed_fields: ['email_hash'], notice_version: 'etn-1' })]);
  });
});
