import { DAY_MS, HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv, START } from './general-test-kit';

const metric = (value: number, extra: Record<string, unknown> = {}) => ({
  event_type: 'performance_metric' as const,
  payload: { metric: 'auc', value, baseline: 0.8, n: 1000, window: '1d', ...extra },
});
/** Day 0 is judged at its end plus the 6h lateness, over the 7 days ending then. */
const DAY0_JUDGED = START + DAY_MS + 6 * HOUR_MS;

describe('G3 primary metric drop vs validated baseline', () => {
  it('fires just above a 5% relative drop, at the day close plus lateness, with the numbers', () => {
    const env = generalEnv();
    env.send({ ...metric(0.759), timestamp: at(START + HOUR_MS) });
    env.advanceTo(DAY0_JUDGED - 1);
    expect(findingsOf(env, 'G3')).toEqual([]);
    env.advanceTo(DAY0_JUDGED);

    const [finding] = findingsOf(env, 'G3');
    expect(finding).toMatchObject({ scope: 'auc', severity: 'high', occurrence: at(START + DAY_MS - 7 * DAY_MS) });
    expect(finding?.observed).toEqual({
      metric: 'auc',
      mean: 0.759,
      baseline: 0.8,
      relative_drop: 0.05125,
      reports: 1,
      window_start: at(START - 6 * DAY_MS),
      window_end: at(START + DAY_MS),
    });
  });

  it('does not fire at exactly 5%, and reports clear', () => {
    const env = generalEnv();
    env.send({ ...metric(0.76), timestamp: at(START) });
    env.advanceTo(DAY0_JUDGED);

    expect(findingsOf(env, 'G3')).toEqual([]);
    expect(clearsOf(env, 'G3').map((c) => c.scope)).toEqual(['auc']);
  });

  it('averages over the rolling 7 days, and forgets reports older than that', () => {
    const env = generalEnv();
    env.send({ ...metric(0.7), timestamp: at(START) });
    env.send({ ...metric(0.8), timestamp: at(START + 3 * DAY_MS) });
    // Day 3 judges days -3..3: mean 0.75, a 6.25% drop.
    env.advanceTo(START + 4 * DAY_MS + 6 * HOUR_MS);
    expect(findingsOf(env, 'G3').map((f) => (f.observed as { mean: number }).mean)).toEqual([0.7, 0.75]);

    // Day 7 judges days 1..7: only the healthy report is left.
    env.send({ ...metric(0.8), timestamp: at(START + 7 * DAY_MS) });
    env.advanceTo(START + 8 * DAY_MS + 6 * HOUR_MS);
    expect(findingsOf(env, 'G3')).toHaveLength(2);
    expect(clearsOf(env, 'G3')).toHaveLength(1);
  });

  it('skips reports without a baseline, of a subgroup, or of another metric', () => {
    const env = generalEnv();
    env.send({ event_type: 'performance_metric', timestamp: at(START), payload: { metric: 'auc', value: 0.1 } });
    env.send({ ...metric(0.1, { subgroup: 'age<25' }), timestamp: at(START) });
    env.send({ ...metric(0.1, { metric: 'f1' }), timestamp: at(START) });
    env.send({ ...metric(0.1, { baseline: 0 }), timestamp: at(START) });
    env.advance('3d');

    expect([findingsOf(env, 'G3'), clearsOf(env, 'G3')]).toEqual([[], []]);
  });

  it('takes the primary metric and its direction from the arguments', () => {
    const env = generalEnv({ args: { G3: { primaryMetric: 'error_rate', higherIsBetter: false } } });
    env.send({ ...metric(0.12, { metric: 'error_rate', baseline: 0.1 }), timestamp: at(START) });
    env.advanceTo(DAY0_JUDGED);

    expect(findingsOf(env, 'G3').map((f) => [f.scope, (f.observed as { relative_drop: number }).relative_drop])).toEqual([['error_rate', 0.2]]);
  });

  it('needs minSamples reports in the window', () => {
    const env = generalEnv({ args: { G3: { minSamples: 2 } } });
    env.send({ ...metric(0.5), timestamp: at(START) });
    env.advanceTo(DAY0_JUDGED);
    expect([findingsOf(env, 'G3'), clearsOf(env, 'G3')]).toEqual([[], []]);

    env.send({ ...metric(0.5), timestamp: at(START + DAY_MS + 7 * HOUR_MS) });
    env.advanceTo(DAY0_JUDGED + DAY_MS);
    expect(findingsOf(env, 'G3').map((f) => (f.observed as { reports: number }).reports)).toEqual([2]);
  });

  it('keeps the window across a restart', () => {
    const env = generalEnv();
    env.send({ ...metric(0.7), timestamp: at(START) });
    env.restart();
    env.send({ ...metric(0.8), timestamp: at(START + HOUR_MS) });
    env.restart();
    env.advanceTo(DAY0_JUDGED);

    expect(findingsOf(env, 'G3').map((f) => f.observed)).toEqual([expect.objectContaining({ mean: 0.75, reports: 2 })]);
  });
});
