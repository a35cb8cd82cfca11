import type { TestSectorEnvironment } from '@kanshi/policy-sdk';
import { clearsOf, DAY, findingsOf, HOUR, iso, medicalEnv, START } from './medical-spec-support';

/** One day of `predictions` with `overrides` clinician overrides (plus as many confirmations, which do not count). */
function day(env: TestSectorEnvironment, index: number, predictions: number, overrides: number) {
  const from = START + index * DAY;
  for (let i = 0; i < predictions; i++) env.send({ event_type: 'prediction', timestamp: iso(from + i * 60_000) });
  for (let i = 0; i < overrides; i++) {
    env.send({ event_type: 'human_override', timestamp: iso(from + 10 * HOUR + i * 1000), payload: { action: 'override', reviewer_role: 'radiologist' } });
    env.send({ event_type: 'human_override', timestamp: iso(from + 11 * HOUR + i * 1000), payload: { action: 'confirm', reviewer_role: 'radiologist' } });
  }
}

/** Eight baseline days with rates 0.04 and 0.06 in turn: mean 0.05, sample σ = 0.01·√(8/7). */
function baseline(env: TestSectorEnvironment, days = 8) {
  for (let d = 0; d < days; d++) day(env, d, 100, d % 2 === 0 ? 4 : 6);
}

const LIMIT = 0.05 + 3 * 0.01 * Math.sqrt(8 / 7);
/** Day 8 is judged at its end plus the one-hour lateness. */
const JUDGED = START + 9 * DAY + HOUR;

describe('M11 clinician disagreement rate above baseline + 3σ', () => {
  it('clears just under the limit and fires medium just above it', () => {
    expect(0.08).toBeLessThan(LIMIT);
    expect(0.09).toBeGreaterThan(LIMIT);

    const under = medicalEnv();
    baseline(under);
    day(under, 8, 100, 8);
    under.advanceTo(JUDGED);
    expect(findingsOf(under, 'M11')).toEqual([]);
    expect(clearsOf(under, 'M11').length).toBeGreaterThan(0);

    const over = medicalEnv();
    baseline(over);
    day(over, 8, 100, 9);
    over.advanceTo(JUDGED - 1);
    expect(findingsOf(over, 'M11')).toEqual([]);
    over.advanceTo(JUDGED);
    const [finding] = findingsOf(over, 'M11');
    expect(finding).toMatchObject({ severity: 'medium', occurrence: iso(START + 8 * DAY) });
    const observed = finding?.observed as Record<string, number>;
    expect(observed).toMatchObject({ rate: 0.09, predictions: 100, overrides: 9, baseline_windows: 8 });
    expect(observed['baseline_mean']).toBeCloseTo(0.05);
    expect(observed['limit']).toBeCloseTo(LIMIT);
  });

  it('does not judge without enough baseline windows', () => {
    const env = medicalEnv();
    baseline(env, 6);
    day(env, 6, 100, 50);
    env.advance('3d');

    expect([findingsOf(env, 'M11'), clearsOf(env, 'M11')]).toEqual([[], []]);

    const relaxed = medicalEnv({}, { args: { M11: { minBaselineWindows: 6 } } });
    baseline(relaxed, 6);
    day(relaxed, 6, 100, 50);
    relaxed.advance('3d');
    expect(findingsOf(relaxed, 'M11')).toHaveLength(1);
  });

  it('leaves windows with too few predictions out of the judgement and the baseline', () => {
    const env = medicalEnv();
    baseline(env);
    day(env, 8, 49, 40);
    day(env, 9, 100, 9);
    env.advanceTo(START + 10 * DAY + HOUR);

    // Day 8 is not judged and not part of day 9's baseline.
    const findings = findingsOf(env, 'M11');
    expect(findings.map((f) => f.occurrence)).toEqual([iso(START + 9 * DAY)]);
    expect(findings[0]?.observed).toMatchObject({ baseline_windows: 8 });
  });

  it('keeps its baseline across a restart', () => {
    const env = medicalEnv();
    baseline(env);
    env.restart();
    day(env, 8, 60, 0);
    env.restart();
    for (let i = 0; i < 40; i++) env.send({ event_type: 'prediction', timestamp: iso(START + 8 * DAY + 2 * HOUR + i) });
    for (let i = 0; i < 9; i++) env.send({ event_type: 'human_override', timestamp: iso(START + 8 * DAY + 3 * HOUR + i), payload: { action: 'override' } });
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'M11').map((f) => f.observed)).toEqual([expect.objectContaining({ predictions: 100, overrides: 9 })]);
  });

  it('counts a clinician override recorded on the prediction itself, and a decision reported both ways once', () => {
    /** Day 8: 100 predictions, `overruled` of them overruled on the prediction (clinician_action), each also reported as a human_override of the same trace when `twice`. */
    const day8 = (env: TestSectorEnvironment, overruled: number, twice: boolean) => {
      const from = START + 8 * DAY;
      for (let i = 0; i < 100; i++) {
        const trace = `trace-${i}`;
        const action = i < overruled ? 'override' : 'confirm';
        env.send({ event_type: 'prediction', trace_id: trace, timestamp: iso(from + i * 60_000), payload: { clinician_action: action } });
        // The override carries the prediction's trace in its payload (its own envelope may name another).
        if (twice && i < overruled) env.send({ event_type: 'human_override', trace_id: `review-${i}`, timestamp: iso(from + i * 60_000 + 1000), payload: { action: 'override', trace_id: trace } });
      }
    };
    const onPrediction = medicalEnv();
    baseline(onPrediction);
    day8(onPrediction, 9, false);
    onPrediction.advanceTo(JUDGED);
    expect(findingsOf(onPrediction, 'M11').map((f) => f.observed)).toEqual([expect.objectContaining({ predictions: 100, overrides: 9 })]);

    const both = medicalEnv();
    baseline(both);
    day8(both, 8, true);
    both.advanceTo(JUDGED);
    // 8 decisions overruled, each reported twice: a rate of 0.08, under the limit.
    expect(findingsOf(both, 'M11')).toEqual([]);
    expect(clearsOf(both, 'M11').length).toBeGreaterThan(0);
  });
});
