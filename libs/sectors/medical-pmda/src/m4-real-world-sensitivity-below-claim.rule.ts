import { Arg, DAY_MS, defineRule, durationMs, Evidence, Field, Stats, Type, Windows, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';

interface M4State extends WindowedState {
  /** Newest labelled claim reported with a real-world sensitivity figure. */
  claim: number | null;
}

/** Daily buckets, each judged at its close with the whole days of `window` ending with it. */
function plan(args: { readonly window: string; readonly lateness: string }): WindowPlan {
  return { bucket: '1d', span: `${Math.ceil(durationMs(args.window) / DAY_MS)}d`, lateness: args.lateness };
}

/**
 * M4: the lower 95% bound of real-world sensitivity over the last 30 days is below the
 * labelled claim. Real-world sensitivity reports (`dataset_ref: real_world`, whole population,
 * with `n`) are pooled in daily buckets; at the close of each day the rule judges the 30 days
 * ending then: with a single report it uses the report's own `ci_low` when given, otherwise the
 * Wilson bound of the pooled value and n. The claim is the report's `approved_claim`. Reports
 * without `n`, without a claim ever seen, or for a subgroup are skipped.
 */
export const m4RealWorldSensitivityBelowClaim = defineRule({
  id: 'M4',
  title: 'Real-world sensitivity (lower 95% bound, 30 days) below the labelled claim',
  rationale:
    'Post-market data must keep supporting the sensitivity stated on the label; a lower confidence ' +
    'bound under the claim means the device may miss patients it was approved to detect.',
  source: 'PMD Act post-market safety duties; change-plan confirmation (performance must not degrade), MHLW AI Q&A (Mar 2022)',
  defaultSeverity: 'high',
  reads: ['performance_metric'],
  args: Type.Object({
    metrics: Arg.names(['sensitivity', 'recall', 'tpr'], 'Metric names that report sensitivity.'),
    window: Arg.duration('30d', 'Span pooled for each judgement, in whole days.'),
    minSamples: Type.Integer({ default: 200, minimum: 1, description: 'Fewest cases pooled before judging.' }),
    z: Type.Number({ default: 1.96, exclusiveMinimum: 0, description: 'Normal quantile of the lower bound (1.96 for 95%).' }),
    lateness: Arg.duration('1h', 'How long after a day ends reports for it still count.'),
  }),
  window: Windows.spec('sliding'),
  recovery: { clearFor: '7d' },
  initialState: (): M4State => ({ window: null, claim: null }),
  evaluate: ({ event, time, args, state, timers }) => {
    const { payload } = event;
    const metric = Field.text(payload, 'metric');
    if (payload['dataset_ref'] !== 'real_world' || metric === undefined || !args.metrics.includes(metric) || Field.text(payload, 'subgroup') !== undefined) return undefined;
    const value = Field.number(payload, 'value');
    const n = Field.number(payload, 'n');
    if (value === undefined || n === undefined || n <= 0 || value < 0 || value > 1) return undefined;
    const claim = Field.number(payload, 'approved_claim');
    if (claim !== undefined) state.claim = claim;
    const ciLow = Field.number(payload, 'ci_low');
    Windows.count(state, plan(args), time, timers, { detected: value * n, n, reports: 1, ...(ciLow === undefined ? {} : { ciLow, ciLowReports: 1 }) });
    return undefined;
  },
  onTimer: ({ timer, args, state }) => {
    const window = Windows.judge(state, plan(args), timer.name);
    if (!window || state.claim === null) return undefined;
    const { detected = 0, n = 0, reports = 0, ciLow, ciLowReports = 0 } = window.totals;
    if (n < args.minSamples) return undefined;
    const fromReport = reports === 1 && ciLowReports === 1 && ciLow !== undefined;
    const low = fromReport ? ciLow : Stats.wilson(Math.round(detected), Math.round(n), args.z)?.low;
    if (low === undefined || !Stats.below(low, state.claim)) return { kind: 'clear' };
    return {
      occurrence: window.occurrence,
      observed: { lower_bound: low, bound_from: fromReport ? 'ci_low' : 'wilson', sensitivity: detected / n, n, reports, labelled_claim: state.claim, ...Evidence.window(window) },
    };
  },
});
