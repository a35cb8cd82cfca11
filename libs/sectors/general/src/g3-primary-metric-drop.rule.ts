import { Arg, defineRule, Evidence, Field, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
import { dailySliding, iso, limited } from './general-rule-support';

const args = Type.Object({
  primaryMetric: Type.String({ default: 'auc', minLength: 1, description: 'Name of the primary metric in performance_metric events (auc, f1, accuracy …).' }),
  higherIsBetter: Type.Boolean({ default: true, description: 'Whether a higher value of the primary metric is better; false for error-like metrics.' }),
  maxRelativeDrop: Type.Number({ default: 0.05, minimum: 0, description: 'Largest tolerated relative degradation of the mean value against the validated baseline.' }),
  ...Arg.window({ window: '7d', lateness: '6h', minSamples: 1 }, 'metric reports', 'Rolling window the check covers; judged at the close of each day.'),
});

const plan = dailySliding;

/**
 * G3: the primary metric against its validated baseline. Every `performance_metric` report of
 * the primary metric for the whole population (no `subgroup`) that carries a non-zero
 * `baseline` counts; reports without a baseline cannot be compared and are skipped. At each
 * day's close the mean value over the rolling window is compared with the mean baseline.
 */
export const g3PrimaryMetricDrop = defineRule({
  id: 'G3',
  title: 'Primary performance metric dropped below the validated baseline',
  rationale:
    'A model whose main performance metric fell materially below the level it was validated at no longer ' +
    'performs as approved; the drop must be investigated before it harms the people the model decides on.',
  source: 'Appropriateness Guideline (Dec 2025): lifecycle monitoring; AI Guidelines for Business v1.1 (safety, accountability)',
  defaultSeverity: 'high',
  reads: ['performance_metric'],
  args,
  window: Windows.spec('sliding'),
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const value = Field.number(event.payload, 'value');
    const baseline = Field.number(event.payload, 'baseline');
    if (Field.text(event.payload, 'metric') !== a.primaryMetric || event.payload['subgroup'] !== undefined) return undefined;
    if (value === undefined || baseline === undefined || baseline === 0) return undefined;
    Windows.count(state, plan(a), time, timers, { reports: 1, value, baseline });
    return undefined;
  },
  onTimer: ({ timer, state, args: a }) => {
    const judged = Windows.judge(state, plan(a), timer.name);
    if (!judged) return undefined;
    const { reports = 0, value = 0, baseline = 0 } = judged.totals;
    if (reports < a.minSamples || baseline === 0) return undefined;
    const mean = value / reports;
    const meanBaseline = baseline / reports;
    const drop = ((a.higherIsBetter ? 1 : -1) * (meanBaseline - mean)) / Math.abs(meanBaseline);
    const scope = limited(a.primaryMetric);
    if (!Stats.above(drop, a.maxRelativeDrop)) return { kind: 'clear', scope };
    return {
      scope,
      // Named by the start of the judged span, not of the closed day, to match `window_start`.
      occurrence: iso(judged.start),
      observed: { metric: a.primaryMetric, mean: Evidence.rounded(mean), baseline: Evidence.rounded(meanBaseline), relative_drop: Evidence.rounded(drop), reports, ...Evidence.window(judged) },
    };
  },
});
