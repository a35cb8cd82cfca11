import { CountWindow, DAY_MS, defineRule, durationMs, Stats, Type } from '@kanshi/policy-sdk';
import { countInWindow, closeWindow, DurationArg, emptyWindowedState, NamesArg, num, text, windowBounds, windowOf, type WindowedState } from './medical-rule-support';

interface M4State extends WindowedState {
  /** Newest labelled claim reported with a real-world sensitivity figure. */
  claim: number | null;
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
    metrics: NamesArg(['sensitivity', 'recall', 'tpr'], 'Metric names that report sensitivity.'),
    window: DurationArg('30d', 'Span pooled for each judgement, in whole days.'),
    minSamples: Type.Integer({ default: 200, minimum: 1, description: 'Fewest cases pooled before judging.' }),
    z: Type.Number({ default: 1.96, exclusiveMinimum: 0, description: 'Normal quantile of the lower bound (1.96 for 95%).' }),
    lateness: DurationArg('1h', 'How long after a day ends reports for it still count.'),
  }),
  window: { kind: 'sliding', size: '30d', minSamples: 200, lateness: '1h' },
  recovery: { clearFor: '7d' },
  initialState: (): M4State => ({ ...emptyWindowedState(), claim: null }),
  evaluate: ({ event, time, args, state, timers }) => {
    const { payload } = event;
    const metric = text(payload, 'metric');
    if (payload['dataset_ref'] !== 'real_world' || metric === undefined || !args.metrics.includes(metric) || text(payload, 'subgroup') !== undefined) return undefined;
    const value = num(payload, 'value');
    const n = num(payload, 'n');
    if (value === undefined || n === undefined || n <= 0 || value < 0 || value > 1) return undefined;
    const claim = num(payload, 'approved_claim');
    if (claim !== undefined) state.claim = claim;
    const ciLow = num(payload, 'ci_low');
    const days = Math.ceil(durationMs(args.window) / DAY_MS);
    const win = windowOf(state, '1d', args.lateness, days + 1);
    countInWindow(win, timers, time, args.lateness, { detected: value * n, n, reports: 1, ...(ciLow === undefined ? {} : { ciLow, ciLowReports: 1 }) });
    return undefined;
  },
  onTimer: ({ timer, args, state }) => {
    const day = closeWindow(state, timer.name);
    if (!day || !state.win || state.claim === null) return undefined;
    const from = day.end - Math.ceil(durationMs(args.window) / DAY_MS) * DAY_MS;
    const { detected = 0, n = 0, reports = 0, ciLow, ciLowReports = 0 } = CountWindow.sum(state.win, from, day.end);
    if (n < args.minSamples) return undefined;
    const fromReport = reports === 1 && ciLowReports === 1 && ciLow !== undefined;
    const low = fromReport ? ciLow : Stats.wilson(Math.round(detected), Math.round(n), args.z)?.low;
    if (low === undefined || low >= state.claim) return { kind: 'clear' };
    return {
      occurrence: day.occurrence,
      observed: { lowerBound: low, boundFrom: fromReport ? 'ci_low' : 'wilson', sensitivity: detected / n, n, reports, labelledClaim: state.claim, ...windowBounds(from, day.end) },
    };
  },
});
