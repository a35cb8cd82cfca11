import { Arg, Bounded, CountWindow, defineRule, durationMs, Evidence, Field, Stats, Type, Windows, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { FSA_MRM, scopeOf } from './finance-rule-helpers';

interface F7State {
  /** Highest PSI per window, one window per feature. */
  features: Record<string, WindowedState>;
}

// The windows behind the judged one are kept for a run of `warnRuns`.
const plan = (a: { window: string; lateness: string; warnRuns: number }): WindowPlan => ({
  bucket: a.window,
  lateness: a.lateness,
  history: `${(a.warnRuns - 1) * durationMs(a.window)}ms`,
});

/** The window of `feature`, made on its first value unless `maxFeatures` are tracked already. */
function featureWindow(state: F7State, feature: string, maxFeatures: number): WindowedState | undefined {
  const known = Bounded.get(state.features, feature);
  if (known) return known;
  const fresh: WindowedState = { window: null };
  return Bounded.set(state.features, feature, fresh, { max: maxFeatures }).kept ? fresh : undefined;
}

/**
 * F7: population stability of the score or a top feature. From `drift_metric` events with
 * `metric: 'psi'`, the highest value per `window` (24h) is kept per feature; each window that
 * received a value is judged when it closes plus `lateness`: above `alertPsi`, or above `warnPsi`
 * in each of the last `warnRuns` windows in a row (a window without a value breaks the run).
 * One scope per feature (`feature:<name>`). `features` limits the check to the score and the
 * top features; empty means every feature reported, up to `maxFeatures` (later ones are not
 * tracked, to bound the state, and the rule says so once a day: scope `state-limit`).
 */
export const f7PopulationStability = defineRule({
  id: 'F7',
  title: 'Population stability index of score or top features too high',
  rationale:
    'A shifted population means the model is scoring customers unlike those it was developed and ' +
    'validated on; a large shift in a day, or a moderate one that persists for a week, needs review.',
  source: `${FSA_MRM}, principle 5 (ongoing monitoring)`,
  defaultSeverity: 'medium',
  reads: ['drift_metric'],
  args: Type.Object({
    alertPsi: Type.Number({ default: 0.25, minimum: 0, description: 'PSI above which one window is enough to fire.' }),
    warnPsi: Type.Number({ default: 0.1, minimum: 0, description: 'PSI above which `warnRuns` windows in a row fire.' }),
    warnRuns: Type.Integer({ default: 7, minimum: 1, description: 'Windows in a row above `warnPsi` that fire.' }),
    window: Arg.duration('24h', 'Window the highest PSI is taken over.'),
    lateness: Arg.lateness('1h', 'PSI values'),
    features: Arg.names([], 'Score and top features checked; empty for every feature reported.'),
    maxFeatures: Type.Integer({ default: 100, minimum: 1, maximum: 1000, description: 'Most features tracked per model; a further feature is not tracked, which the rule reports once a day (scope state-limit).' }),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '1d' },
  initialState: (): F7State => ({ features: {} }),
  evaluate: ({ event, time, state, args, timers }) => {
    const feature = Field.text(event.payload, 'feature');
    const value = Field.number(event.payload, 'value');
    if (event.payload['metric'] !== 'psi' || feature === undefined || value === undefined) return undefined;
    if (args.features.length > 0 && !args.features.includes(feature)) return undefined;
    const holder = featureWindow(state, feature, args.maxFeatures);
    if (!holder) return Bounded.limitFinding('features', args.maxFeatures, time, { feature_refused: feature });
    Windows.record(holder, plan(args), time, timers, (window) => CountWindow.max(window, time, { psi: value }), feature);
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const feature = Windows.closing(timer.name)?.key;
    const holder = feature === undefined ? undefined : Bounded.get(state.features, feature);
    const judged = holder && Windows.judge(holder, plan(args), timer.name);
    if (feature === undefined || !judged) return undefined;
    const psi = CountWindow.bucket(judged.window, judged.bucketStart)['psi'];
    if (psi === undefined) return undefined;
    const scope = scopeOf('feature', feature);
    const span = { feature, psi, ...Evidence.window(judged) };
    if (Stats.above(psi, args.alertPsi)) return { scope, occurrence: judged.occurrence, observed: { ...span, trigger: 'single_window' } };
    const run = CountWindow.consecutive(judged.window, judged.bucketStart, (v) => Stats.above(v['psi'] ?? -Infinity, args.warnPsi));
    if (run >= args.warnRuns) return { scope, occurrence: judged.occurrence, observed: { ...span, trigger: 'sustained', windows_running: run } };
    return { kind: 'clear', scope };
  },
});
