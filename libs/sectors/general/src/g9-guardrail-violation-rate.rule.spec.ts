import { DAY_MS, HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv, sendMany, START } from './general-test-kit';

const JUDGED = START + DAY_MS + HOUR_MS;
const response = (violation?: unknown) => ({ event_type: 'prediction' as const, payload: violation === undefined ? { generative: true } : { generative: true, guardrail_violation: violation } });

describe('G9 guardrail violations per 1,000 responses', () => {
  it('fires above 10 per 1,000 when the day closes plus lateness', () => {
    const env = generalEnv();
    sendMany(env, 1000, START, (i) => response(i < 11));
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'G9')).toEqual([]);
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G9').map((f) => [f.severity, f.occurrence, f.observed])).toEqual([
      ['medium', at(START), { per_thousand: 11, violations: 11, responses: 1000, window_start: at(START), window_end: at(START + DAY_MS) }],
    ]);
  });

  it('does not fire at exactly 10 per 1,000; a missing field is no violation', () => {
    const env = generalEnv();
    sendMany(env, 1000, START, (i) => (i < 10 ? response(true) : i < 20 ? response(false) : response()));
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G9')).toEqual([]);
    expect(clearsOf(env, 'G9')).toHaveLength(1);
  });

  it('judges a low-volume day only by a conclusive sample, reports an inconclusive one as insufficient data, and keeps days apart', () => {
    const env = generalEnv({ args: { G9: { minSamples: 100 } } });
    sendMany(env, 99, START, () => response(true));
    sendMany(env, 100, START + DAY_MS, (i) => response(i < 2));
    sendMany(env, 99, START + 2 * DAY_MS, (i) => response(i < 1));
    env.advanceTo(JUDGED + 2 * DAY_MS);

    expect(findingsOf(env, 'G9').map((f) => [f.occurrence, (f.observed as { per_thousand: number }).per_thousand])).toEqual([
      [at(START), 1000],
      [at(START + DAY_MS), 20],
    ]);
    expect(env.insufficient.map((i) => i.observed)).toEqual([
      { per_thousand: 10.101, violations: 1, responses: 99, min_samples: 100, judged_by: 'too_few_samples', window_start: at(START + 2 * DAY_MS), window_end: at(START + 3 * DAY_MS) },
    ]);
  });

  it('keeps the day across a restart', () => {
    const env = generalEnv({ args: { G9: { minSamples: 100 } } });
    sendMany(env, 50, START, () => response(true));
    env.restart();
    sendMany(env, 50, START + HOUR_MS, () => response(false));
    env.restart();
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G9').map((f) => f.observed)).toEqual([expect.objectContaining({ per_thousand: 500, responses: 100 })]);
  });
});
