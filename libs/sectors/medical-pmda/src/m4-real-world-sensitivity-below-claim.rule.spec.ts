import { DAY, findingsOf, clearsOf, HOUR, iso, medicalEnv, START } from './medical-spec-support';

const report = (at: number, payload: Record<string, unknown>) => ({
  event_type: 'performance_metric' as const,
  timestamp: iso(at),
  payload: { metric: 'sensitivity', dataset_ref: 'real_world', approved_claim: 0.9, ...payload },
});

/** Judged at the close of the report's day plus the one-hour lateness. */
const JUDGED = START + DAY + HOUR;

describe('M4 real-world sensitivity lower bound below the labelled claim', () => {
  it("uses a single report's ci_low: fires just below the claim, clears at it", () => {
    const below = medicalEnv();
    below.send(report(START + 10 * HOUR, { value: 0.93, n: 200, ci_low: 0.899 }));
    below.advanceTo(JUDGED - 1);
    expect(findingsOf(below, 'M4')).toEqual([]);
    below.advanceTo(JUDGED);
    const [finding] = findingsOf(below, 'M4');
    expect(finding).toMatchObject({ severity: 'high', occurrence: iso(START), scope: 'model' });
    expect(finding?.observed).toMatchObject({ lower_bound: 0.899, bound_from: 'ci_low', n: 200, reports: 1, labelled_claim: 0.9, window_end: iso(START + DAY) });

    const at = medicalEnv();
    at.send(report(START + 10 * HOUR, { value: 0.93, n: 200, ci_low: 0.9 }));
    at.advanceTo(JUDGED);
    expect(findingsOf(at, 'M4')).toEqual([]);
    expect(clearsOf(at, 'M4')).toHaveLength(1);
  });

  it('computes a Wilson bound when no ci_low is given', () => {
    const env = medicalEnv();
    env.send(report(START, { value: 0.9, n: 200 }));
    env.advanceTo(JUDGED);
    const observed = findingsOf(env, 'M4')[0]?.observed as { lower_bound: number; bound_from: string; sensitivity: number };
    expect(observed.bound_from).toBe('wilson');
    expect(observed.sensitivity).toBeCloseTo(0.9);
    expect(observed.lower_bound).toBeLessThan(0.9);
    expect(observed.lower_bound).toBeGreaterThan(0.8);

    const good = medicalEnv();
    good.send(report(START, { value: 0.95, n: 200 }));
    good.advanceTo(JUDGED);
    expect(findingsOf(good, 'M4')).toEqual([]);
    expect(clearsOf(good, 'M4')).toHaveLength(1);
  });

  it('does not judge below 200 cases (neither finding nor clear)', () => {
    const env = medicalEnv();
    env.send(report(START, { value: 0.5, n: 199, ci_low: 0.4 }));
    env.advance('2d');

    expect([findingsOf(env, 'M4'), clearsOf(env, 'M4')]).toEqual([[], []]);
  });

  it('pools reports over 30 days, across a restart, and uses Wilson on the pool', () => {
    const env = medicalEnv();
    env.send(report(START, { value: 0.88, n: 100, ci_low: 0.8 }));
    env.advance('2d');
    expect(findingsOf(env, 'M4')).toEqual([]);
    env.restart();
    env.send(report(START + 10 * DAY, { value: 0.88, n: 100 }));
    env.advanceTo(START + 11 * DAY + HOUR);

    const [finding] = findingsOf(env, 'M4');
    expect(finding?.observed).toMatchObject({ n: 200, reports: 2, bound_from: 'wilson', window_start: iso(START + 11 * DAY - 30 * DAY) });
    expect(finding?.occurrence).toBe(iso(START + 10 * DAY));
  });

  it('drops reports older than the 30-day window from the pool', () => {
    const env = medicalEnv();
    env.send(report(START, { value: 0.5, n: 150 }));
    env.send(report(START + 30 * DAY, { value: 0.5, n: 100 }));
    env.advance('2d');

    expect(findingsOf(env, 'M4')).toEqual([]);
  });

  it('skips subgroup reports, reports without n, other metrics and locked-reference data', () => {
    const env = medicalEnv();
    env.send(report(START, { value: 0.5, n: 300, subgroup: 'female' }));
    env.send(report(START, { value: 0.5 }));
    env.send(report(START, { metric: 'specificity', value: 0.5, n: 300 }));
    env.send(report(START, { value: 0.5, n: 300, dataset_ref: 'locked_reference' }));
    env.advance('2d');

    expect([findingsOf(env, 'M4'), clearsOf(env, 'M4')]).toEqual([[], []]);
  });

  it('takes a tenant override of the minimum sample', () => {
    const env = medicalEnv({}, { args: { M4: { minSamples: 50 } } });
    env.send(report(START, { value: 0.8, n: 60 }));
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'M4')[0]?.args).toMatchObject({ minSamples: 50, window: '30d' });
  });
});
