import { Arg, Bounded, CountWindow, defineRule, Evidence, Field, Stats, Type, Windows, type RuleResult, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { byPrefix, limited, tumbling } from './general-rule-support';

const args = Type.Object({
  alertAbove: Type.Number({ default: 0.25, minimum: 0, description: 'PSI above which a feature has drifted (finding at the rule severity).' }),
  warnAbove: Type.Number({ default: 0.1, minimum: 0, description: 'PSI above which a feature is drifting (finding at low severity).' }),
  ...Arg.window({ window: '24h', lateness: '1h', minSamples: 1 }, 'PSI reports of a feature'),
  maxFeatures: Type.Integer({ default: 200, minimum: 1, maximum: 2000, description: 'Most features tracked per window; reports of further features in the window are not judged, and the rule reports that once a day (scope state-limit).' }),
});

// Two tallies per feature: its largest PSI and its number of reports.
const plan = (a: { window: string; lateness: string; maxFeatures: number }): WindowPlan => ({ ...tumbling(a), maxNames: 2 * a.maxFeatures });

/**
 * G2: population stability of each input feature. Producers report PSI in `drift_metric`
 * events (metric `psi`); the rule keeps the largest value per feature and window and judges
 * each feature once when the window closes, in its own scope (the feature name). Reports of
 * other drift metrics (ks, js) are not PSI and are ignored. At most `maxFeatures` features are
 * tracked per window, the first to report; past that the rule says so (scope `state-limit`).
 */
export const g2FeatureDriftPsi = defineRule({
  id: 'G2',
  title: 'Feature distribution drift (PSI) above threshold',
  rationale:
    'A feature whose population stability index moved past the threshold no longer looks like the data the model ' +
    'was validated on, so its outputs may no longer be reliable; lifecycle monitoring must catch it.',
  source: 'Appropriateness Guideline (Dec 2025): lifecycle monitoring; AI Guidelines for Business v1.1 (safety)',
  defaultSeverity: 'medium',
  reads: ['drift_metric'],
  args,
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '24h' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const feature = Field.text(event.payload, 'feature');
    const value = Field.number(event.payload, 'value');
    if (event.payload['metric'] !== 'psi' || feature === undefined || value === undefined) return undefined;
    const names = [`max:${feature}`, `n:${feature}`];
    if (!CountWindow.hasRoom(Windows.of(state, plan(a)), time, names)) {
      return Bounded.limitFinding('features', a.maxFeatures, time, { feature_refused: feature, per: 'window' });
    }
    Windows.record(state, plan(a), time, timers, (window) => CountWindow.max(window, time, { [`max:${feature}`]: value }) && CountWindow.add(window, time, { [`n:${feature}`]: 1 }));
    return undefined;
  },
  onTimer: ({ timer, state, args: a }) => {
    const judged = Windows.judge(state, plan(a), timer.name);
    if (!judged) return undefined;
    const maxima = byPrefix(judged.totals, 'max:');
    const results: RuleResult[] = [];
    for (const [feature, n] of byPrefix(judged.totals, 'n:')) {
      const psi = maxima.get(feature);
      if (psi === undefined || n < a.minSamples) continue;
      const scope = limited(feature);
      if (!Stats.above(psi, a.warnAbove) && !Stats.above(psi, a.alertAbove)) {
        results.push({ kind: 'clear', scope });
        continue;
      }
      results.push({
        scope,
        // Past the alert threshold the rule's own severity applies; the warning band is reported low.
        ...(Stats.above(psi, a.alertAbove) ? {} : { severity: 'low' as const }),
        occurrence: judged.occurrence,
        observed: { feature, psi: Evidence.rounded(psi), level: Stats.above(psi, a.alertAbove) ? 'alert' : 'warn', reports: n, ...Evidence.window(judged) },
      });
    }
    return results;
  },
});
