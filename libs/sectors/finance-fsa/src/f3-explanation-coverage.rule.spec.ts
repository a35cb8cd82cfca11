import { durationMs, HOUR_MS, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { at, clearsOf, financeEnv, findingsOf, START } from './finance-test-kit';

const CLOSE = START + HOUR_MS + durationMs('15m');

/** `n` decisions from `from`, one a second, with traces `<prefix>-<i>`; the first `explained` get reason codes. */
function decisions(env: TestSectorEnvironment, n: number, explained: number, options: { decision?: string; prefix?: string; from?: number } = {}) {
  const { decision = 'approve', prefix = 'd', from = START } = options;
  for (let i = 0; i < n; i++) {
    env.send({ event_type: 'prediction', trace_id: `${prefix}-${i}`, timestamp: at(from + i * 1000), payload: { decision, score: 0.7 } });
  }
  for (let i = 0; i < explained; i++) {
    env.send({ event_type: 'explanation', trace_id: `${prefix}-${i}`, timestamp: at(from + n * 1000 + i), payload: { reason_codes: ['R01'] } });
  }
}

describe('F3 explanation coverage of credit decisions', () => {
  it('fires when coverage falls below 0.99, once, when the hour closes plus lateness', () => {
    const env = financeEnv();
    decisions(env, 100, 98);
    env.advanceTo(CLOSE - 1);
    expect(findingsOf(env, 'F3')).toEqual([]);
    env.advanceTo(CLOSE);

    const [finding] = findingsOf(env, 'F3');
    expect(finding).toMatchObject({ severity: 'high', scope: 'all-decisions', occurrence: at(START) });
    expect(finding?.observed).toEqual({ coverage: 0.98, decisions: 100, explained: 98, window_start: at(START), window_end: at(START + HOUR_MS) });
    env.advance('5h');
    expect(findingsOf(env, 'F3')).toHaveLength(1);
  });

  it('does not fire at exactly 0.99, and reports clear', () => {
    const env = financeEnv();
    decisions(env, 100, 99);
    env.advance('2h');
    expect(findingsOf(env, 'F3')).toEqual([]);
    expect(clearsOf(env, 'F3').map((c) => c.scope)).toEqual(['all-decisions']);
  });

  it('judges fewer than minSamples decisions only by a conclusive sample, and counts only predictions with a decision', () => {
    const env = financeEnv();
    decisions(env, 19, 18);
    for (let i = 0; i < 50; i++) env.send({ event_type: 'prediction', timestamp: at(START + 60_000 + i), payload: { score: 0.5 } });
    env.advance('2h');
    expect([findingsOf(env, 'F3'), clearsOf(env, 'F3')]).toEqual([[], []]);
    expect(env.insufficient.map((i) => [i.scope, i.observed])).toEqual([
      ['all-decisions', { coverage: 18 / 19, decisions: 19, explained: 18, min_samples: 20, judged_by: 'too_few_samples', window_start: at(START), window_end: at(START + HOUR_MS) }],
    ]);

    const unexplained = financeEnv();
    decisions(unexplained, 19, 0);
    unexplained.advance('2h');
    expect(findingsOf(unexplained, 'F3').map((f) => [f.scope, (f.observed as { judged_by: string }).judged_by])).toEqual([['all-decisions', 'wilson_upper_95']]);
  });

  it('requires every adverse decision to be explained, whatever the sample size, with the decision as evidence', () => {
    const env = financeEnv();
    decisions(env, 3, 2, { decision: 'Decline' });
    env.advance('2h');

    const finding = findingsOf(env, 'F3').find((f) => f.scope === 'adverse-decisions');
    expect(finding).toMatchObject({ scope: 'adverse-decisions', evidence: ['test-event-3'] });
    expect(finding?.observed).toMatchObject({ unexplained: 1, adverse: 3 });

    const custom = financeEnv({ args: { F3: { adverseDecisions: ['refer'] } } });
    decisions(custom, 3, 0, { decision: 'decline' });
    custom.advance('2h');
    expect(findingsOf(custom, 'F3').filter((f) => f.scope === 'adverse-decisions')).toEqual([]);
  });

  it('matches explanations in either order and up to the lateness, by payload or envelope trace id', () => {
    const env = financeEnv({ args: { F3: { minSamples: 1 } } });
    env.send({ event_type: 'explanation', trace_id: 'other', timestamp: at(START), payload: { trace_id: 'a', reason_codes: ['R1'] } });
    env.send({ event_type: 'prediction', trace_id: 'a', timestamp: at(START + 1000), payload: { decision: 'decline' } });
    env.send({ event_type: 'prediction', trace_id: 'b', timestamp: at(START + 2000), payload: { decision: 'decline' } });
    env.send({ event_type: 'explanation', trace_id: 'b', timestamp: at(CLOSE - 1), payload: { reason_codes: ['R2'] } });
    env.advance('1h');
    expect(findingsOf(env, 'F3')).toEqual([]);
    expect(clearsOf(env, 'F3').map((c) => c.scope)).toEqual(['all-decisions', 'adverse-decisions']);
  });

  it('counts an explanation after the lateness, an empty reason list or a missing trace id as unexplained', () => {
    const env = financeEnv({ args: { F3: { minSamples: 1 } } });
    env.send({ event_type: 'prediction', trace_id: 'late', timestamp: at(START), payload: { decision: 'approve' } });
    env.send({ event_type: 'prediction', trace_id: 'empty', timestamp: at(START + 1), payload: { decision: 'approve' } });
    env.send({ event_type: 'prediction', timestamp: at(START + 2), payload: { decision: 'deny' } });
    env.send({ event_type: 'explanation', trace_id: 'empty', timestamp: at(START + 3), payload: { reason_codes: [] } });
    env.send({ event_type: 'explanation', trace_id: 'late', timestamp: at(CLOSE + 1), payload: { reason_codes: ['R1'] } });

    const observed = findingsOf(env, 'F3').map((f) => [f.scope, f.observed]);
    expect(observed).toEqual([
      ['all-decisions', expect.objectContaining({ coverage: 0, decisions: 3 })],
      ['adverse-decisions', expect.objectContaining({ unexplained: 1, adverse: 1 })],
    ]);
  });

  it('keeps hours apart and survives a restart mid-window', () => {
    const env = financeEnv();
    decisions(env, 50, 50, { prefix: 'x' });
    env.restart();
    decisions(env, 50, 0, { prefix: 'y', from: START + 1_800_000 });
    env.restart();
    decisions(env, 100, 100, { prefix: 'z', from: START + HOUR_MS });
    env.advance('3h');

    expect(findingsOf(env, 'F3').map((f) => [f.occurrence, (f.observed as { coverage: number }).coverage])).toEqual([[at(START), 0.5]]);
    expect(clearsOf(env, 'F3')).toHaveLength(1);
  });

  it('tracks at most maxPending decisions, leaves the rest out of the judgement, and says so', () => {
    const env = financeEnv({ args: { F3: { maxPending: 30 } } });
    // 40 decisions awaiting explanations: the last 10 cannot be tracked, 2 of them adverse.
    for (let i = 0; i < 40; i++) {
      env.send({ event_type: 'prediction', trace_id: `d-${i}`, timestamp: at(START + i * 1000), payload: { decision: i >= 38 ? 'decline' : 'approve' } });
    }
    for (let i = 0; i < 40; i++) env.send({ event_type: 'explanation', trace_id: `d-${i}`, timestamp: at(START + 60_000 + i), payload: { reason_codes: ['R01'] } });
    env.advance('2h');

    expect(findingsOf(env, 'F3').map((f) => [f.scope, f.occurrence])).toEqual(
      Array.from({ length: 10 }, () => ['state-limit', 'state-limit:decisions awaiting an explanation@2026-01-05']),
    );
    expect(findingsOf(env, 'F3')[0]?.observed).toMatchObject({ state_limit: 'decisions awaiting an explanation', limit: 30 });
    // The 30 tracked decisions were all explained: coverage 1, not 30/40.
    expect(clearsOf(env, 'F3').map((c) => c.scope)).toEqual(['all-decisions']);
  });

  it('keeps its state within the size limit when explanations never come', () => {
    const env = financeEnv();
    for (let i = 0; i < 5000; i++) env.send({ event_type: 'prediction', trace_id: `trace-${i}-${'x'.repeat(40)}`, timestamp: at(START + i), payload: { decision: 'approve' } });
    expect(() => env.restart()).not.toThrow();
    expect(Object.keys((env.stateOf('F3') as { pending: object }).pending)).toHaveLength(2000);
  });
});

