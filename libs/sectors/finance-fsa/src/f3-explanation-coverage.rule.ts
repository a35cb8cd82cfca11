import { Arg, Bounded, CountWindow, defineRule, durationMs, Evidence, Field, Stats, Type, Windows, type RuleResult, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { FSA_AI_PAPER, FSA_MRM, norm } from './finance-rule-helpers';

interface PendingDecision {
  /** Start of the window the decision counts in. */
  b: number;
  /** 1 when the decision is adverse. */
  a: 0 | 1;
  /** Event id, the evidence of an unexplained adverse decision (kept for adverse decisions only). */
  e?: string;
}

interface F3State extends WindowedState {
  /** Decisions still waiting for an explanation, by trace id. */
  pending: Record<string, PendingDecision>;
  /** Explanations that arrived before their decision: trace id → event time. */
  early: Record<string, number>;
}

const ALL = 'all-decisions';
const ADVERSE = 'adverse-decisions';

const plan = (a: { window: string; lateness: string }): WindowPlan => ({ bucket: a.window, lateness: a.lateness });

/**
 * F3: credit decisions (predictions with a `decision`) that carry no reason code. A decision is
 * explained by an `explanation` event with at least one reason code and the same trace id
 * (`payload.trace_id`, else the envelope's). Matching in either order: an explanation that comes
 * first waits for its decision; a decision waits for its explanation until its window is judged,
 * at the window's end plus `lateness`. Explanations after that are too late and the decision
 * stays unexplained. A decision without a trace id can never be matched and counts as
 * unexplained. Two scopes: `all-decisions` (coverage below `minCoverage`; a window with fewer
 * than `minSamples` decisions is judged only when the sample is conclusive, else reported as
 * insufficient data) and `adverse-decisions` (any unexplained adverse decision, however few
 * decisions).
 * At most `maxPending` decisions wait for their explanation per model: a decision beyond that
 * cannot be matched, so it is left out of the judgement (`untracked` in `observed`) and the
 * rule says so once a day (scope `state-limit`). Explanations that came first are kept
 * likewise, the oldest dropped first.
 */
export const f3ExplanationCoverage = defineRule({
  id: 'F3',
  title: 'Credit decisions without reason codes',
  rationale:
    'Customers and supervisors must be able to learn why a credit decision was taken; every adverse ' +
    'decision needs its reasons and nearly all decisions must carry at least one reason code.',
  source: `${FSA_AI_PAPER} (explainability); ${FSA_MRM}, principle 5 (ongoing monitoring)`,
  defaultSeverity: 'high',
  reads: ['prediction', 'explanation'],
  args: Type.Object({
    minCoverage: Type.Number({ default: 0.99, minimum: 0, maximum: 1, description: 'Least share of decisions with ≥1 reason code.' }),
    adverseDecisions: Arg.names(['decline', 'reject', 'deny'], 'Decision values that are adverse to the customer and must all be explained (case-insensitive).'),
    window: Arg.duration('1h', 'Window the coverage is judged over.'),
    lateness: Arg.lateness('15m', 'decisions and explanations'),
    // Not Arg.minSamples, whose "fewer is no finding" would be wrong: adverse decisions are judged however few.
    minSamples: Type.Integer({
      default: 20,
      minimum: 1,
      description: 'Decisions in a window for the coverage itself to decide; with fewer, only a sample conclusive at 95 % (Wilson bound) fires or clears, and any other closes the window as insufficient data.',
    }),
    maxPending: Type.Integer({
      default: 2000,
      minimum: 1,
      maximum: 20_000,
      description: 'Most decisions awaiting an explanation tracked per model (and most early explanations kept); further decisions are left out of the judgement and reported once a day (scope state-limit).',
    }),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '1h' },
  initialState: (): F3State => ({ window: null, pending: {}, early: {} }),
  evaluate: ({ event, time, state, args, timers }) => {
    const window = Windows.of(state, plan(args));
    if (event.event_type === 'explanation') {
      const codes = event.payload['reason_codes'];
      const trace = Field.text(event.payload, 'trace_id') ?? event.trace_id;
      if (!Array.isArray(codes) || codes.length === 0 || trace === undefined) return undefined;
      const decision = Bounded.get(state.pending, trace);
      if (!decision) {
        // The newest explanations are the ones a decision may still come for.
        Bounded.set(state.early, trace, time, { max: args.maxPending, rank: (at) => at });
        return undefined;
      }
      Bounded.delete(state.pending, trace);
      // The decision's bucket already has its close timer.
      CountWindow.add(window, decision.b, { explained: 1, adverseExplained: decision.a });
      return undefined;
    }
    const decision = Field.text(event.payload, 'decision');
    if (decision === undefined) return undefined;
    const adverse = args.adverseDecisions.some((d) => norm(d) === norm(decision)) ? 1 : 0;
    const trace = event.trace_id;
    const explained = trace !== undefined && Bounded.has(state.early, trace) ? 1 : 0;
    if (!Windows.count(state, plan(args), time, timers, { decisions: 1, adverse, explained, adverseExplained: explained * adverse })) return undefined;
    if (explained && trace !== undefined) {
      Bounded.delete(state.early, trace);
      return undefined;
    }
    // Untraceable decisions are kept (under their event id) only for the evidence of adverse ones.
    if (trace === undefined && !adverse) return undefined;
    const pending: PendingDecision = { b: CountWindow.bucketStart(window, time), a: adverse, ...(adverse ? { e: event.event_id } : {}) };
    if (Bounded.set(state.pending, trace ?? `event:${event.event_id}`, pending, { max: args.maxPending }).kept) return undefined;
    // Never matched, so neither explained nor unexplained: left out of the judgement.
    CountWindow.add(window, time, { untracked: 1, untrackedAdverse: adverse });
    return Bounded.limitFinding('decisions awaiting an explanation', args.maxPending, time);
  },
  onTimer: ({ timer, state, args }) => {
    const judged = Windows.judge(state, plan(args), timer.name);
    if (!judged) return undefined;
    const { bucketStart, end } = judged;
    const unexplainedAdverse: string[] = [];
    for (const [trace, decision] of Object.entries(state.pending)) {
      if (decision.b >= end) continue;
      if (decision.b === bucketStart && decision.a === 1 && decision.e !== undefined) unexplainedAdverse.push(decision.e);
      Bounded.delete(state.pending, trace);
    }
    const horizon = bucketStart - durationMs(args.lateness);
    for (const [trace, seen] of Object.entries(state.early)) if (seen < horizon) Bounded.delete(state.early, trace);

    const { explained = 0, adverseExplained = 0, untracked = 0, untrackedAdverse = 0 } = judged.totals;
    const decisions = (judged.totals['decisions'] ?? 0) - untracked;
    const adverse = (judged.totals['adverse'] ?? 0) - untrackedAdverse;
    const span = { ...Evidence.window(judged), ...(untracked > 0 ? { untracked } : {}) };
    const results: RuleResult[] = [];
    const judgement = Stats.shareAtLeast(explained, decisions, args.minCoverage, args.minSamples);
    if (judgement) {
      const observed = { coverage: judgement.share, decisions, explained, ...Evidence.sample(judgement, args.minSamples), ...span };
      if (judgement.verdict === 'fail') results.push({ scope: ALL, occurrence: judged.occurrence, observed });
      else if (judgement.verdict === 'pass') results.push({ kind: 'clear', scope: ALL });
      else results.push({ kind: 'insufficient', scope: ALL, observed });
    }
    if (adverse > 0) {
      results.push(
        adverse > adverseExplained
          ? {
              scope: ADVERSE,
              occurrence: judged.occurrence,
              observed: { unexplained: adverse - adverseExplained, adverse, ...span },
              evidence: unexplainedAdverse.slice(0, 20),
            }
          : { kind: 'clear', scope: ADVERSE },
      );
    }
    return results;
  },
});
