import { HOUR_MS, DAY_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv, START } from './general-test-kit';

const psi = (feature: string, value: number, metric = 'psi') => ({ event_type: 'drift_metric' as const, payload: { feature, metric, value, window: '24h' } });
/** The first day's window closes at 24h, judged after the 1h lateness. */
const JUDGED = START + DAY_MS + HOUR_MS;

describe('G2 feature drift (PSI)', () => {
  it('judges each feature once when the day closes plus the lateness, with its own scope', () => {
    const env = generalEnv();
    env.send({ ...psi('income', 0.26), timestamp: at(START + HOUR_MS) });
    env.send({ ...psi('age', 0.05), timestamp: at(START + 2 * HOUR_MS) });
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'G2')).toEqual([]);

    env.advanceTo(JUDGED);
    const [finding] = findingsOf(env, 'G2');
    expect(findingsOf(env, 'G2')).toHaveLength(1);
    expect(finding).toMatchObject({ scope: 'income', severity: 'medium', occurrence: at(START), dueAt: undefined });
    expect(finding?.observed).toEqual({ feature: 'income', psi: 0.26, level: 'alert', reports: 1, window_start: at(START), window_end: at(START + DAY_MS) });
    expect(clearsOf(env, 'G2').map((c) => c.scope)).toEqual(['age']);
  });

  it('alerts only above 0.25, warns at low severity above 0.10, and clears at 0.10', () => {
    const env = generalEnv();
    for (const [feature, value] of [['at-alert', 0.25], ['above-alert', 0.2501], ['above-warn', 0.1001], ['at-warn', 0.1]] as const) {
      env.send({ ...psi(feature, value), timestamp: at(START) });
    }
    env.advanceTo(JUDGED);

    const byScope = Object.fromEntries(findingsOf(env, 'G2').map((f) => [f.scope, f.severity]));
    expect(byScope).toEqual({ 'at-alert': 'low', 'above-alert': 'medium', 'above-warn': 'low' });
    expect(clearsOf(env, 'G2').map((c) => c.scope)).toEqual(['at-warn']);
  });

  it('takes the largest PSI of the day, ignores other drift metrics, and keeps days apart', () => {
    const env = generalEnv();
    env.send({ ...psi('income', 0.3), timestamp: at(START + HOUR_MS) });
    env.send({ ...psi('income', 0.05), timestamp: at(START + 3 * HOUR_MS) });
    env.send({ ...psi('tenure', 0.9, 'ks'), timestamp: at(START + 3 * HOUR_MS) });
    env.send({ ...psi('income', 0.02), timestamp: at(START + DAY_MS + HOUR_MS / 2) });
    env.advanceTo(START + 2 * DAY_MS + HOUR_MS);

    expect(findingsOf(env, 'G2').map((f) => [f.scope, f.occurrence, (f.observed as { psi: number }).psi])).toEqual([['income', at(START), 0.3]]);
    expect(clearsOf(env, 'G2').map((c) => [c.scope, at(c.time)])).toEqual([['income', at(START + 2 * DAY_MS + HOUR_MS)]]);
  });

  it('counts a report within the lateness, refuses one after the judgement', () => {
    const env = generalEnv();
    env.send({ ...psi('income', 0.01), timestamp: at(START) });
    env.advanceTo(START + DAY_MS + HOUR_MS / 2);
    env.send({ ...psi('income', 0.4), timestamp: at(START + DAY_MS - 1) });
    env.advanceTo(JUDGED);
    env.send({ ...psi('income', 0.9), timestamp: at(START + DAY_MS - 1) });
    env.advance('2d');

    expect(findingsOf(env, 'G2').map((f) => (f.observed as { psi: number }).psi)).toEqual([0.4]);
  });

  it('judges no feature with fewer reports than minSamples: no finding, no clear', () => {
    const env = generalEnv({ args: { G2: { minSamples: 2 } } });
    env.send({ ...psi('income', 0.5), timestamp: at(START) });
    env.advanceTo(JUDGED);

    expect([findingsOf(env, 'G2'), clearsOf(env, 'G2')]).toEqual([[], []]);
  });

  it('keeps the day across a restart', () => {
    const env = generalEnv();
    env.send({ ...psi('income', 0.3), timestamp: at(START + HOUR_MS) });
    env.restart();
    env.send({ ...psi('income', 0.1), timestamp: at(START + 2 * HOUR_MS) });
    env.restart();
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G2').map((f) => f.observed)).toEqual([expect.objectContaining({ psi: 0.3, reports: 2 })]);
  });

  it('follows a tenant override of the thresholds and the window', () => {
    const env = generalEnv({ args: { G2: { alertAbove: 0.2, window: '1h', lateness: '0s' } } });
    env.send({ ...psi('income', 0.21), timestamp: at(START) });
    env.advanceTo(START + HOUR_MS);

    expect(findingsOf(env, 'G2').map((f) => [f.severity, f.observed])).toEqual([
      ['medium', expect.objectContaining({ psi: 0.21, window_end: at(START + HOUR_MS) })],
    ]);
  });

  it('tracks at most maxFeatures features per window, the first to report, and says so once a day', () => {
    const env = generalEnv({ args: { G2: { maxFeatures: 2 } } });
    for (const feature of ['a', 'b', 'c', 'd', 'a']) env.send({ ...psi(feature, 0.3), timestamp: at(START + HOUR_MS) });
    env.advanceTo(JUDGED);

    const limits = findingsOf(env, 'G2').filter((f) => f.scope === 'state-limit');
    expect(limits.map((f) => [f.severity, f.occurrence, f.observed])).toEqual([
      ['medium', 'state-limit:features@2026-01-05', { state_limit: 'features', limit: 2, day: '2026-01-05', feature_refused: 'c', per: 'window' }],
      ['medium', 'state-limit:features@2026-01-05', { state_limit: 'features', limit: 2, day: '2026-01-05', feature_refused: 'd', per: 'window' }],
    ]);
    expect(findingsOf(env, 'G2').filter((f) => f.scope !== 'state-limit').map((f) => [f.scope, (f.observed as { reports: number }).reports])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    // The next window has room again.
    env.send({ ...psi('c', 0.3), timestamp: at(START + DAY_MS + HOUR_MS) });
    env.advanceTo(JUDGED + DAY_MS);
    expect(findingsOf(env, 'G2').at(-1)).toMatchObject({ scope: 'c' });
  });

  it('keeps its state small however many features a producer makes up', () => {
    const env = generalEnv();
    for (let i = 0; i < 5000; i++) env.send({ ...psi(`feature-${i}-${'x'.repeat(200)}`, 0.01), timestamp: at(START + HOUR_MS) });
    env.restart();
    const bucket = (env.stateOf('G2') as { window: { buckets: { values: object }[] } }).window.buckets[0];
    expect(Object.keys(bucket?.values ?? {})).toHaveLength(400);
  });
});
