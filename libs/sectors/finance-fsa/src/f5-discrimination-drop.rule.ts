import { CountWindow, DAY_MS, defineRule, durationMs, Type, type RuleResult } from '@kanshi/policy-sdk';
import { closeWindow, countInWindow, durationArg, exceeds, FSA_MRM, iso, latenessArg, norm, num, scopeOf, text, type WindowedState } from './finance-rule-helpers';

/**
 * F5: the discriminatory power (AUC, Gini) reported in `performance_metric` events has fallen
 * more than `maxDrop` (absolute) below its validation `baseline`, averaged over the trailing
 * `window`. Values are kept per day; each day that received a report is judged when it closes
 * plus `lateness`, over the `window` ending then, one scope per metric (`metric:auc`).
 * Reports without a `baseline`, for a `subgroup`, or on the `locked_reference` set are skipped:
 * the check is about real-world performance of the whole population against its baseline.
 */
export const f5DiscriminationDrop = defineRule({
  id: 'F5',
  title: 'AUC/Gini dropped below the validation baseline',
  rationale:
    'A credit model whose ranking power has fallen well below what was validated no longer performs as ' +
    'approved and must be reviewed or re-validated.',
  source: `${FSA_MRM}, principle 5 (ongoing monitoring)`,
  defaultSeverity: 'high',
  reads: ['performance_metric'],
  args: Type.Object({
    metrics: Type.Array(Type.String(), { default: ['auc', 'gini'], description: 'Metric names judged (case-insensitive).' }),
    maxDrop: Type.Number({ default: 0.05, minimum: 0, description: 'Largest allowed drop, baseline minus observed mean, in absolute units.' }),
    window: durationArg('30d', 'Trailing window the mean value and baseline are taken over.'),
    lateness: latenessArg('1h'),
    minSamples: Type.Integer({ default: 1, minimum: 1, description: 'Fewest reports of a metric in the window before it is judged.' }),
  }),
  window: { kind: 'sliding', size: '30d', lateness: '1h', minSamples: 1 },
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const name = text(event.payload, 'metric');
    const value = num(event.payload, 'value');
    const baseline = num(event.payload, 'baseline');
    if (name === undefined || value === undefined || baseline === undefined) return undefined;
    if (text(event.payload, 'subgroup') !== undefined || event.payload['dataset_ref'] === 'locked_reference') return undefined;
    const metric = norm(name);
    if (!args.metrics.some((m) => norm(m) === metric)) return undefined;
    const retainMs = durationMs(args.window) + DAY_MS + durationMs(args.lateness);
    countInWindow(state, { bucket: '1d', retainMs, lateness: args.lateness }, time, { [`${metric}:n`]: 1, [`${metric}:value`]: value, [`${metric}:baseline`]: baseline }, timers);
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const closed = closeWindow(state.window, timer.name);
    if (!closed) return undefined;
    const { window, end } = closed;
    const start = end - durationMs(args.window);
    const totals = CountWindow.sum(window, start, end);
    const results: RuleResult[] = [];
    for (const metric of new Set(args.metrics.map(norm))) {
      const n = totals[`${metric}:n`] ?? 0;
      if (n === 0 || n < args.minSamples) continue;
      const value = (totals[`${metric}:value`] ?? 0) / n;
      const baseline = (totals[`${metric}:baseline`] ?? 0) / n;
      const drop = baseline - value;
      const scope = scopeOf('metric', metric);
      results.push(
        exceeds(drop, args.maxDrop)
          ? { scope, occurrence: iso(start), observed: { metric, value, baseline, drop, n, windowStart: iso(start), windowEnd: iso(end) } }
          : { kind: 'clear', scope },
      );
    }
    return results;
  },
});
