import { DAY_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, privacyEnv, START } from './privacy-test-support';

function disclosure(version: string, fields: Readonly<Record<string, unknown>> = {}) {
  return { event_type: 'disclosure' as const, payload: { kind: 'ranking_params', version, ...fields } };
}

function served(version?: string) {
  return { event_type: 'prediction' as const, payload: version === undefined ? { score: 0.4 } : { score: 0.4, ranking_params_version: version } };
}

describe('P11 recommendation served with ranking parameters other than the published disclosure', () => {
  it('fires, medium, when the served version differs from the published one', () => {
    const env = privacyEnv();
    env.send(disclosure('rp-3', { published_time: at(START) }));
    env.advance('1h');
    env.send(served('rp-4'));

    expect(findingsOf(env, 'P11')).toHaveLength(1);
    expect(findingsOf(env, 'P11')[0]).toMatchObject({
      severity: 'medium',
      scope: 'ranking_params',
      observed: { served_version: 'rp-4', published_version: 'rp-3', published_at: at(START) },
    });
  });

  it('does not fire for the published version, and clears the alert', () => {
    const env = privacyEnv();
    env.send(disclosure('rp-3'));
    env.send(served('rp-3'));

    expect(findingsOf(env, 'P11')).toEqual([]);
    expect(clearsOf(env, 'P11').map((c) => c.scope)).toEqual(['ranking_params']);
  });

  it('follows the latest disclosure, honouring an advance publication time', () => {
    const env = privacyEnv();
    env.send(disclosure('rp-3'));
    env.send(disclosure('rp-4', { published_time: at(START + DAY_MS) }));
    env.send(served('rp-4'));
    env.advance('1d');
    env.send(served('rp-4'));
    env.send(served('rp-3'));

    expect(findingsOf(env, 'P11').map((f) => f.observed)).toEqual([
      expect.objectContaining({ served_version: 'rp-4', published_version: 'rp-3' }),
      expect.objectContaining({ served_version: 'rp-3', published_version: 'rp-4' }),
    ]);
  });

  it('fires when nothing was ever published, unless the tenant turns that off', () => {
    const env = privacyEnv();
    env.send(served('rp-1'));
    expect(findingsOf(env, 'P11').map((f) => f.observed)).toEqual([{ served_version: 'rp-1', published_version: null, published_at: null }]);

    const lenient = privacyEnv({ args: { P11: { requirePublishedDisclosure: false } } });
    lenient.send(served('rp-1'));
    expect(findingsOf(lenient, 'P11')).toEqual([]);
  });

  it('skips predictions without a ranking-params version and other disclosure kinds', () => {
    const env = privacyEnv();
    env.send({ event_type: 'disclosure', payload: { kind: 'transparency_report', version: 'rp-9' } });
    env.send(served());
    env.send(served('rp-9'));

    expect(findingsOf(env, 'P11').map((f) => f.observed)).toEqual([expect.objectContaining({ published_version: null })]);
  });

  it('gives repeats of one mismatch the same occurrence', () => {
    const env = privacyEnv();
    env.send(disclosure('rp-3'));
    env.send(served('rp-4'));
    env.advance('1h');
    env.send(served('rp-4'));

    const [first, second] = findingsOf(env, 'P11');
    expect(first?.occurrence).toBe(second?.occurrence);
  });

  it('remembers the published version across a restart', () => {
    const env = privacyEnv();
    env.send(disclosure('rp-3'));
    env.restart();
    env.send(served('rp-3'));
    env.send(served('rp-2'));

    expect(findingsOf(env, 'P11').map((f) => f.observed)).toEqual([expect.objectContaining({ served_version: 'rp-2', published_version: 'rp-3' })]);
  });
});
