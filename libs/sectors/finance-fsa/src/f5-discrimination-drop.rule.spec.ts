import { DAY_MS, HOUR_MS, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { at, clearsOf, financeEnv, findingsOf, START } from './finance-test-kit';

function report(env: TestSectorEnvironment, time: number, metric: string, value: number, baseline: number | undefined, extra: Record<string, unknown> = {}) {
  env.send({ event_type: 'performance_metric', timestamp: at(time), payload: { metric, value, ...(baseline === undefined ? {} : { baseline }), ...extra } });
}

const JUDGED = START + DAY_MS + HOUR_MS;

describe('F5 AUC/Gini drop vs validation baseline', () => {
  it('fires when the 30-day mean drops more than 0.05 below baseline, judged when the day closes', () => {
    const env = financeEnv();
    report(env, START + HOUR_MS, 'AUC', 0.74, 0.8);
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'F5')).toEqual([]);
    env.advanceTo(JUDGED);

    const [finding] = findingsOf(env, 'F5');
    expect(finding).toMatchObject({ severity: 'high', scope: 'metric:auc', occurrence: at(START + DAY_MS - 30 * DAY_MS) });
    expect(finding?.observed).toMatchObject({ metric: 'auc', n: 1, window_end: at(START + DAY_MS) });
    expect((finding?.observed as { drop: number }).drop).toBeCloseTo(0.06);
  });

  it('does not fire at a drop of exactly 0.05, and clears', () => {
    const env = financeEnv();
    report(env, START, 'gini', 0.55, 0.6);
    env.advance('2d');
    expect(findingsOf(env, 'F5')).toEqual([]);
    expect(clearsOf(env, 'F5').map((c) => c.scope)).toEqual(['metric:gini']);
  });

  it('averages over the trailing window and forgets reports older than it', () => {
    const env = financeEnv();
    report(env, START, 'auc', 0.7, 0.8);
    report(env, START + 10 * DAY_MS, 'auc', 0.8, 0.8);
    env.advance('11d');
    // Mean drop over the window: 0.05, not above the limit.
    expect(findingsOf(env, 'F5')).toHaveLength(1);
    report(env, START + 31 * DAY_MS, 'auc', 0.74, 0.8);
    env.restart();
    env.advance('2d');
    // The day-0 report has left the window: only 0.8 and 0.74 remain, a mean drop of 0.03.
    expect(findingsOf(env, 'F5')).toHaveLength(1);
    expect(clearsOf(env, 'F5').length).toBeGreaterThanOrEqual(2);
  });

  it('skips reports without a baseline, for a subgroup, on the locked reference set or of other metrics', () => {
    const env = financeEnv();
    report(env, START, 'auc', 0.5, undefined);
    report(env, START, 'auc', 0.5, 0.8, { subgroup: 'age<25' });
    report(env, START, 'auc', 0.5, 0.8, { dataset_ref: 'locked_reference' });
    report(env, START, 'ks', 0.1, 0.4);
    env.advance('3d');
    expect([findingsOf(env, 'F5'), clearsOf(env, 'F5')]).toEqual([[], []]);
  });

  it('respects minSamples per metric', () => {
    const env = financeEnv({ args: { F5: { minSamples: 2 } } });
    report(env, START, 'auc', 0.5, 0.8);
    env.advance('2d');
    expect(findingsOf(env, 'F5')).toEqual([]);
    report(env, env.now, 'auc', 0.5, 0.8);
    env.advance('2d');
    expect(findingsOf(env, 'F5')).toHaveLength(1);
  });
});
