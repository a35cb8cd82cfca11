import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P3 pseudonymised dataset sent to an external recipient', () => {
  it('fires, critical, per recipient organisation', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'pseudo-logs', purpose: 'analytics', data_categories: ['pseudonymised'], recipient_org: 'AdPartner KK', recipient_country: 'JP' }));

    expect(findingsOf(env, 'P3')).toHaveLength(1);
    expect(findingsOf(env, 'P3')[0]).toMatchObject({
      severity: 'critical',
      scope: 'recipient:AdPartner KK',
      observed: { dataset_id: 'pseudo-logs', purpose: 'analytics', recipient: 'AdPartner KK', recipient_country: 'JP' },
    });
  });

  it('counts a sharing purpose or a recipient country without a named organisation', () => {
    const env = privacyEnv();
    env.send(dataUsage({ purpose: 'sharing', data_categories: ['pseudonymised'] }));
    env.send(dataUsage({ purpose: 'analytics', data_categories: ['pseudonymised'], recipient_country: 'SG' }));

    expect(findingsOf(env, 'P3').map((f) => f.scope)).toEqual(['recipient:unnamed recipient', 'recipient:unnamed recipient in SG']);
  });

  it('does not fire for internal use, internal recipients, or data that is not pseudonymised', () => {
    const env = privacyEnv({ args: { P3: { internalRecipients: ['Acme Processing KK'] } } });
    env.send(dataUsage({ data_categories: ['pseudonymised'] }));
    env.send(dataUsage({ data_categories: ['pseudonymised'], recipient_org: 'Acme Processing KK' }));
    env.send(dataUsage({ data_categories: ['anonymised'], recipient_org: 'AdPartner KK' }));

    expect(findingsOf(env, 'P3')).toEqual([]);
  });
});
