import { DAY_MS, HOUR_MS, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { at, clearsOf, financeEnv, findingsOf, START } from './finance-test-kit';

function psi(env: TestSectorEnvironment, time: number, feature: string, value: number, metric = 'psi') {
  env.send({ event_type: 'drift_metric', timestamp: at(time), payload: { feature, metric, value } });
}

/** One PSI value a day for `days` days from START. */
function daily(env: TestSectorEnvironment, feature: string, values: readonly number[]) {
  values.forEach((value, day) => psi(env, START + day * DAY_MS + HOUR_MS, feature, value));
}

describe('F7 PSI on score or top features', () => {
  it('fires above 0.25 in one day, per feature, when the day closes plus lateness', () => {
    const env = financeEnv();
    psi(env, START + HOUR_MS, 'income', 0.1);
    psi(env, START + 2 * HOUR_MS, 'income', 0.26);
    psi(env, START + 3 * HOUR_MS, 'score', 0.25);
    env.advanceTo(START + DAY_MS + HOUR_MS - 1);
    expect(findingsOf(env, 'F7')).toEqual([]);
    env.advanceTo(START + DAY_MS + HOUR_MS);

    const [finding] = findingsOf(env, 'F7');
    expect(findingsOf(env, 'F7')).toHaveLength(1);
    expect(finding).toMatchObject({ severity: 'medium', scope: 'feature:income', occurrence: at(START) });
    expect(finding?.observed).toEqual({ feature: 'income', psi: 0.26, window_start: at(START), window_end: at(START + DAY_MS), trigger: 'single_window' });
    expect(clearsOf(env, 'F7').map((c) => c.scope)).toEqual(['feature:score']);
  });

  it('fires above 0.10 seven days running, not six, and a gap breaks the run', () => {
    const seven = financeEnv();
    daily(seven, 'age', [0.11, 0.12, 0.11, 0.2, 0.11, 0.15, 0.11]);
    seven.restart();
    seven.advance('2d');
    const sustained = findingsOf(seven, 'F7');
    expect(sustained.map((f) => [f.occurrence, (f.observed as { trigger: string; windows_running: number }).windows_running])).toEqual([[at(START + 6 * DAY_MS), 7]]);

    const six = financeEnv();
    daily(six, 'age', [0.05, 0.11, 0.12, 0.11, 0.2, 0.11, 0.15]);
    six.advance('2d');
    expect(findingsOf(six, 'F7')).toEqual([]);

    const gap = financeEnv();
    [0, 1, 2, 4, 5, 6, 7].forEach((day) => psi(gap, START + day * DAY_MS, 'age', 0.2));
    gap.advance('2d');
    expect(findingsOf(gap, 'F7')).toEqual([]);
  });

  it('checks only the listed features when the tenant lists them, and ignores other drift metrics', () => {
    const env = financeEnv({ args: { F7: { features: ['score'] } } });
    psi(env, START, 'income', 0.9);
    psi(env, START, 'score', 0.9, 'ks');
    env.advance('2d');
    expect([findingsOf(env, 'F7'), clearsOf(env, 'F7')]).toEqual([[], []]);
  });

  it('bounds the features tracked, and says so when it refuses one', () => {
    const env = financeEnv({ args: { F7: { maxFeatures: 1 } } });
    psi(env, START, 'a', 0.3);
    psi(env, START, 'b', 0.3);
    env.advance('2d');
    expect(findingsOf(env, 'F7').map((f) => [f.scope, f.occurrence])).toEqual([
      ['state-limit', 'state-limit:features@2026-01-05'],
      ['feature:a', at(START)],
    ]);
    expect(findingsOf(env, 'F7')[0]?.observed).toMatchObject({ state_limit: 'features', limit: 1, feature_refused: 'b' });
  });

  it('takes a feature name with a colon', () => {
    const env = financeEnv();
    psi(env, START, 'bureau:score', 0.3);
    env.advance('2d');
    expect(findingsOf(env, 'F7').map((f) => f.scope)).toEqual(['feature:bureau:score']);
  });
});
