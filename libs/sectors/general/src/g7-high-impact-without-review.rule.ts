import { Arg, Bounded, defineRule, durationMs, Field, Type } from '@kanshi/policy-sdk';
import { iso, limited } from './general-rule-support';

const args = Type.Object({
  impactLevels: Arg.names(['high'], 'Values of prediction.decision_impact that require a human review.'),
  reviewWithin: Arg.duration('24h', 'How long after the decision a human review (human_override, confirm or override) must follow.'),
  maxPending: Type.Integer({
    default: 1000,
    minimum: 1,
    maximum: 10_000,
    description: 'Most decisions awaiting review tracked per model (and most early reviews kept); further decisions are not tracked, which the rule reports once a day (scope state-limit).',
  }),
});

interface PendingDecision {
  readonly eventId: string;
  readonly at: number;
  readonly decision: string | null;
  readonly impact: string;
}

interface ReviewState {
  /** High-impact decisions awaiting review, by trace id; each has a `review:<trace id>` timer. */
  pending: Record<string, PendingDecision>;
  /** Reviews that arrived before their decision, by trace id (event time), kept for one review period. */
  reviewedEarly: Record<string, number>;
}

const TIMER = 'review:';

/**
 * G7: high-impact decisions need a human in the loop. A prediction whose `decision_impact` is
 * one of `impactLevels` opens a review deadline; a `human_override` (confirm or override) with
 * the same trace id (payload `trace_id`, else the envelope's) within the deadline closes it.
 * When the deadline passes without one, the decision is reported. A high-impact prediction
 * without a trace id can never be matched to a review and is reported at once. At most
 * `maxPending` decisions wait per model: a decision beyond that is not tracked and the rule says
 * so (scope `state-limit`); reviews that came first are kept likewise, the oldest dropped first.
 */
export const g7HighImpactWithoutReview = defineRule({
  id: 'G7',
  title: 'High-impact decision without the required human review',
  rationale:
    'Decisions with a high impact on people must be reviewed by a human before or shortly after they take effect; ' +
    'an unreviewed high-impact decision breaks the human-centric principle and leaves no one accountable.',
  source: 'AI Guidelines for Business v1.1 (human-centric, accountability); Appropriateness Guideline (Dec 2025): risk-based governance',
  defaultSeverity: 'high',
  reads: ['prediction', 'human_override'],
  args,
  initialState: (): ReviewState => ({ pending: {}, reviewedEarly: {} }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const reviewMs = durationMs(a.reviewWithin);
    if (event.event_type === 'human_override') {
      const trace = Field.text(event.payload, 'trace_id') ?? event.trace_id;
      if (trace === undefined) return undefined;
      const pending = Bounded.get(state.pending, trace);
      if (pending) {
        // A review after the deadline does not undo the finding the deadline raises.
        if (time > pending.at + reviewMs) return undefined;
        Bounded.delete(state.pending, trace);
        timers.clear(TIMER + trace);
        return undefined;
      }
      for (const [early, at] of Object.entries(state.reviewedEarly)) if (at < time - reviewMs) Bounded.delete(state.reviewedEarly, early);
      // The newest reviews are the ones a decision may still come for.
      Bounded.set(state.reviewedEarly, trace, time, { max: a.maxPending, rank: (at) => at });
      return undefined;
    }
    const impact = Field.text(event.payload, 'decision_impact');
    if (impact === undefined || !a.impactLevels.includes(impact)) return undefined;
    const decision = Field.text(event.payload, 'decision') ?? null;
    const trace = event.trace_id;
    if (trace === undefined || trace.trim() === '') {
      return { observed: { trace_id: null, decision, decision_impact: impact, decided_at: iso(time), reason: 'no trace id: no review can be matched' } };
    }
    if (Bounded.delete(state.reviewedEarly, trace)) return undefined;
    const { kept } = Bounded.set(state.pending, trace, { eventId: event.event_id, at: time, decision, impact }, { max: a.maxPending });
    if (!kept) return Bounded.limitFinding('decisions awaiting review', a.maxPending, time, { trace_id: trace, decided_at: iso(time) });
    timers.set(TIMER + trace, time + reviewMs);
    return undefined;
  },
  onTimer: ({ timer, state }) => {
    if (!timer.name.startsWith(TIMER)) return undefined;
    const trace = timer.name.slice(TIMER.length);
    const pending = Bounded.get(state.pending, trace);
    if (!pending) return undefined;
    Bounded.delete(state.pending, trace);
    return {
      occurrence: limited(`review:${trace}`),
      evidence: [pending.eventId],
      dueAt: new Date(timer.at),
      observed: { trace_id: trace, decision: pending.decision, decision_impact: pending.impact, decided_at: iso(pending.at), review_due: iso(timer.at) },
    };
  },
});
