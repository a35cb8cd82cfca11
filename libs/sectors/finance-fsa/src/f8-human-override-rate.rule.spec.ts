import { DAY_MS, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { at, clearsOf, financeEnv, findingsOf, START } from './finance-test-kit';

/** On day `day`: `outputs` predictions, `overrides` overrides and `confirms` confirmations. */
function day(env: TestSectorEnvironment, dayIndex: number, outputs: number, overrides: number, confirms = 0) {
  const from = START + dayIndex * DAY_MS;
  for (let i = 0; i < outputs; i++) env.send({ event_type: 'prediction', timestamp: at(from + i * 1000) });
  for (let i = 0; i < overrides; i++) env.send({ event_type: 'human_override', timestamp: at(from + outputs * 1000 + i), payload: { action: 'override', reviewer_role: 'underwriter' } });
  for (let i = 0; i < confirms; i++) env.send({ event_type: 'human_override', timestamp: at(from + outputs * 1000 + 500 + i), payload: { action: 'confirm' } });
}

const opts = { args: { F8: { minSamples: 100 } } };

describe('F8 human override rate over 7 days', () => {
  it('fires above 10%, when the day closes plus lateness, with the rate and the window', () => {
    const env = financeEnv(opts);
    day(env, 0, 50, 5);
    env.restart();
    day(env, 3, 50, 6, 40);
    env.advanceTo(START + 4 * DAY_MS + 3_600_000 - 1);
    expect(findingsOf(env, 'F8')).toHaveLength(0);
    env.advance('1ms');

    const findings = findingsOf(env, 'F8');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'medium', scope: 'model', occurrence: at(START - 3 * DAY_MS) });
    expect(findings[0]?.observed).toMatchObject({ rate: 0.11, overrides: 11, outputs: 100, baseline_rate: null, exceeded: ['max_rate'] });
  });

  it('does not fire at exactly 10%; below minSamples only when the sample is conclusive, else the day is insufficient data', () => {
    const env = financeEnv(opts);
    day(env, 0, 100, 10);
    env.advance('2d');
    expect(findingsOf(env, 'F8')).toEqual([]);
    expect(clearsOf(env, 'F8')).toHaveLength(1);

    const few = financeEnv(opts);
    day(few, 0, 99, 12);
    few.advance('2d');
    expect([findingsOf(few, 'F8'), clearsOf(few, 'F8')]).toEqual([[], []]);
    expect(few.insufficient.map((i) => i.observed)).toEqual([expect.objectContaining({ overrides: 12, outputs: 99, exceeded: [], judged_by: 'too_few_samples' })]);

    const many = financeEnv(opts);
    day(many, 0, 99, 50);
    many.advance('2d');
    expect(findingsOf(many, 'F8').map((f) => f.observed)).toEqual([expect.objectContaining({ exceeded: ['max_rate'], judged_by: 'wilson_lower_95' })]);
  });

  it('fires above twice the rate of the 28 days before the window', () => {
    const env = financeEnv(opts);
    day(env, 0, 200, 4); // baseline 2%
    day(env, 28, 100, 4); // 4%: at twice the baseline
    day(env, 35, 100, 5); // window of days 29–35: 5% of 100 against a baseline of days 1–28: 4% of 100 → not above 2×
    day(env, 42, 100, 9); // window 36–42: 9% against days 8–35: 4.5% → exactly 2×, not above
    day(env, 43, 300, 20); // window 37–43: 29/400 = 7.25% against days 9–36: 4.5% → not above
    env.advance('2d');
    expect(findingsOf(env, 'F8')).toEqual([]);

    const spike = financeEnv(opts);
    day(spike, 0, 200, 4);
    day(spike, 8, 100, 5);
    spike.advance('2d');
    expect(findingsOf(spike, 'F8').map((f) => f.observed)).toEqual([expect.objectContaining({ rate: 0.05, baseline_rate: 0.02, exceeded: ['baseline_multiple'] })]);
  });
});
