import { Arg, defineRule, Evidence, Field, Stats, Type, Windows, type RuleResult, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { FSA_MRM, iso, norm, scopeOf } from './finance-rule-helpers';

// No history behind the window: each report carries its own baseline.
const plan = (a: { window: string; lateness: string }): WindowPlan => ({ bucket: '1d', span: a.window, lateness: a.lateness });

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
    metrics: Arg.names(['auc', 'gini'], 'Metric names judged (case-insensitive).'),
    maxDrop: Type.Number({ default: 0.05, minimum: 0, description: 'Largest allowed drop, baseline minus observed mean, in absolute units.' }),
    ...Arg.window({ window: '30d', lateness: '1h', minSamples: 1 }, 'reports of a metric', 'Trailing window the mean value and baseline are taken over; judged at the close of each day.'),
  }),
  window: Windows.spec('sliding'),
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const name = Field.text(event.payload, 'metric');
    const value = Field.number(event.payload, 'value');
    const baseline = Field.number(event.payload, 'baseline');
    if (name === undefined || value === undefined || baseline === undefined) return undefined;
    if (Field.text(event.payload, 'subgroup') !== undefined || event.payload['dataset_ref'] === 'locked_reference') return undefined;
    const metric = norm(name);
    if (!args.metrics.some((m) => norm(m) === metric)) return undefined;
    Windows.count(state, plan(args), time, timers, { [`${metric}:n`]: 1, [`${metric}:value`]: value, [`${metric}:baseline`]: baseline });
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const judged = Windows.judge(state, plan(args), timer.name);
    if (!judged) return undefined;
    const { totals } = judged;
    // Named by the trailing window's start, as `windowStart` shows it, not by the closed day.
    const occurrence = iso(judged.start);
    const results: RuleResult[] = [];
    for (const metric of new Set(args.metrics.map(norm))) {
      const n = totals[`${metric}:n`] ?? 0;
      if (n === 0 || n < args.minSamples) continue;
      const value = (totals[`${metric}:value`] ?? 0) / n;
      const baseline = (totals[`${metric}:baseline`] ?? 0) / n;
      const drop = baseline - value;
      const scope = scopeOf('metric', metric);
      results.push(
        Stats.above(drop, args.maxDrop)
          ? { scope, occurrence, observed: { metric, value, baseline, drop, n, ...Evidence.window(judged) } }
          : { kind: 'clear', scope },
      );
    }
    return results;
  },
});
