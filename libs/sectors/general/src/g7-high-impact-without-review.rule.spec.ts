import { HOUR_MS } from '@kanshi/policy-sdk';
import { at, findingsOf, generalEnv, START } from './general-test-kit';

const decision = (trace: string | undefined, impact = 'high') => ({
  event_type: 'prediction' as const,
  ...(trace === undefined ? {} : { trace_id: trace }),
  payload: { decision: 'decline', decision_impact: impact },
});
const review = (trace: string, inPayload = false) => ({
  event_type: 'human_override' as const,
  ...(inPayload ? { trace_id: 'review-request-9', payload: { trace_id: trace, action: 'confirm', reviewer_role: 'officer' } } : { trace_id: trace, payload: { action: 'override', reviewer_role: 'officer' } }),
});
const DUE = START + 24 * HOUR_MS;

describe('G7 high-impact decision without human review', () => {
  it('reports a high-impact decision not reviewed by the deadline, with the decision as evidence', () => {
    const env = generalEnv();
    env.send({ ...decision('t-1'), timestamp: at(START) });
    env.advanceTo(DUE - 1);
    expect(findingsOf(env, 'G7')).toEqual([]);
    env.advanceTo(DUE);

    const [finding] = findingsOf(env, 'G7');
    expect(findingsOf(env, 'G7')).toHaveLength(1);
    expect(finding).toMatchObject({ severity: 'high', scope: 'model', occurrence: 'review:t-1', evidence: ['test-event-1'], dueAt: new Date(DUE) });
    expect(finding?.observed).toEqual({ trace_id: 't-1', decision: 'decline', decision_impact: 'high', decided_at: at(START), review_due: at(DUE) });
  });

  it('is satisfied by a review with the same trace id, in the envelope or the payload, up to the deadline', () => {
    const env = generalEnv();
    env.send({ ...decision('t-1'), timestamp: at(START) });
    env.send({ ...decision('t-2'), timestamp: at(START) });
    env.send({ ...review('t-1'), timestamp: at(START + HOUR_MS) });
    env.send({ ...review('t-2', true), timestamp: at(DUE) });
    env.advance('3d');

    expect(findingsOf(env, 'G7')).toEqual([]);
  });

  it('does not take a review after the deadline, nor one for another trace', () => {
    const env = generalEnv();
    env.send({ ...decision('t-1'), timestamp: at(START) });
    env.send({ ...review('t-other'), timestamp: at(START + HOUR_MS) });
    env.send({ ...decision('t-2'), timestamp: at(START + 2 * HOUR_MS) });
    env.send({ ...review('t-2'), timestamp: at(DUE + 2 * HOUR_MS + 1) });
    env.advance('3d');

    expect(findingsOf(env, 'G7').map((f) => f.occurrence)).toEqual(['review:t-1', 'review:t-2']);
  });

  it('accepts a review that arrives before its decision', () => {
    const env = generalEnv();
    env.send({ ...review('t-1'), timestamp: at(START) });
    env.send({ ...decision('t-1'), timestamp: at(START + 1000) });
    env.advance('3d');

    expect(findingsOf(env, 'G7')).toEqual([]);
  });

  it('reports a high-impact decision without a trace id at once, and ignores other impacts', () => {
    const env = generalEnv();
    env.send({ ...decision(undefined), timestamp: at(START) });
    env.send({ ...decision('t-low', 'low'), timestamp: at(START) });
    env.send({ event_type: 'prediction', trace_id: 't-none', timestamp: at(START), payload: { decision: 'decline' } });
    env.advance('3d');

    expect(findingsOf(env, 'G7').map((f) => [f.time, f.observed])).toEqual([[START, expect.objectContaining({ trace_id: null, decision_impact: 'high' })]]);
  });

  it('takes the impact levels and the deadline from the arguments, and survives a restart', () => {
    const env = generalEnv({ args: { G7: { impactLevels: ['high', 'significant'], reviewWithin: '1h' } } });
    env.send({ ...decision('t-1', 'significant'), timestamp: at(START) });
    env.restart();
    env.advanceTo(START + HOUR_MS);

    expect(findingsOf(env, 'G7').map((f) => f.dueAt)).toEqual([new Date(START + HOUR_MS)]);
  });

  it('tracks at most maxPending decisions, says so for the next, and takes new ones once reviews free room', () => {
    const env = generalEnv({ args: { G7: { maxPending: 2 } } });
    for (const trace of ['t-1', 't-2', 't-3']) env.send({ ...decision(trace), timestamp: at(START) });
    expect(findingsOf(env, 'G7').map((f) => [f.scope, f.severity, f.occurrence, f.observed])).toEqual([
      [
        'state-limit',
        'medium',
        'state-limit:decisions awaiting review@2026-01-05',
        { state_limit: 'decisions awaiting review', limit: 2, day: '2026-01-05', trace_id: 't-3', decided_at: at(START) },
      ],
    ]);
    env.send({ ...review('t-1'), timestamp: at(START + HOUR_MS) });
    env.send({ ...decision('t-4'), timestamp: at(START + HOUR_MS) });
    env.advanceTo(START + 30 * HOUR_MS);

    expect(findingsOf(env, 'G7').slice(1).map((f) => f.occurrence)).toEqual(['review:t-2', 'review:t-4']);
  });

  it('keeps the newest early reviews when more than maxPending come before their decisions', () => {
    const env = generalEnv({ args: { G7: { maxPending: 10 } } });
    for (let i = 0; i < 12; i++) env.send({ ...review(`t-${i}`), timestamp: at(START + i) });
    for (let i = 0; i < 12; i++) env.send({ ...decision(`t-${i}`), timestamp: at(START + HOUR_MS) });
    env.advanceTo(START + 26 * HOUR_MS);

    // The eleventh review made room by dropping the two oldest (one, plus a tenth of the cap): their decisions wait in vain.
    expect(findingsOf(env, 'G7').map((f) => f.occurrence)).toEqual(['review:t-0', 'review:t-1']);
  });

  it('matches trace ids such as constructor and __proto__ like any other', () => {
    const env = generalEnv();
    env.send({ ...decision('constructor'), timestamp: at(START) });
    env.send({ ...review('__proto__'), timestamp: at(START) });
    env.send({ ...decision('__proto__'), timestamp: at(START) });
    env.restart();
    env.advanceTo(DUE);

    expect(findingsOf(env, 'G7').map((f) => f.occurrence)).toEqual(['review:constructor']);
  });
});
