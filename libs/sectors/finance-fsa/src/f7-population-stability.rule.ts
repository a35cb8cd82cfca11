import { CountWindow, defineRule, durationMs, Type, type CountWindowState, type Duration } from '@kanshi/policy-sdk';
import { closedWindow, closeWindow, durationArg, exceeds, latenessArg, FSA_MRM, iso, num, scheduleClose, scopeOf, text } from './finance-rule-helpers';

interface F7State {
  /** Highest PSI per window, one window per feature. */
  features: Record<string, CountWindowState>;
}

/**
 * F7: population stability of the score or a top feature. From `drift_metric` events with
 * `metric: 'psi'`, the highest value per `window` (24h) is kept per feature; each window that
 * received a value is judged when it closes plus `lateness`: above `alertPsi`, or above `warnPsi`
 * in each of the last `warnRuns` windows in a row (a window without a value breaks the run).
 * One scope per feature (`feature:<name>`). `features` limits the check to the score and the
 * top features; empty means every feature reported, up to `maxFeatures` (later ones are not
 * tracked, to bound the state).
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
    window: durationArg('24h', 'Window the highest PSI is taken over.'),
    lateness: latenessArg('1h'),
    features: Type.Array(Type.String(), { default: [], description: 'Score and top features checked; empty for every feature reported.' }),
    maxFeatures: Type.Integer({ default: 100, minimum: 1, description: 'Most features tracked per model.' }),
  }),
  window: { kind: 'tumbling', size: '24h', lateness: '1h' },
  recovery: { clearFor: '1d' },
  initialState: (): F7State => ({ features: {} }),
  evaluate: ({ event, time, state, args, timers }) => {
    const feature = text(event.payload, 'feature');
    const value = num(event.payload, 'value');
    if (event.payload['metric'] !== 'psi' || feature === undefined || value === undefined) return undefined;
    if (args.features.length > 0 && !args.features.includes(feature)) return undefined;
    const bucketMs = durationMs(args.window);
    let window = state.features[feature];
    if (!window || window.bucketMs !== bucketMs) {
      if (!window && Object.keys(state.features).length >= args.maxFeatures) return undefined;
      window = CountWindow.create(args.window as Duration, `${(args.warnRuns + 1) * bucketMs + durationMs(args.lateness)}ms`);
      state.features[feature] = window;
    }
    if (!CountWindow.max(window, time, { psi: value })) return undefined;
    scheduleClose(timers, window, time, args.lateness, feature);
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const feature = closedWindow(timer.name)?.key;
    const closed = feature === undefined ? undefined : closeWindow(state.features[feature] ?? null, timer.name);
    if (feature === undefined || !closed) return undefined;
    const { window, start, end } = closed;
    const psi = CountWindow.bucket(window, start)['psi'];
    if (psi === undefined) return undefined;
    const scope = scopeOf('feature', feature);
    const span = { feature, psi, windowStart: iso(start), windowEnd: iso(end) };
    if (exceeds(psi, args.alertPsi)) return { scope, occurrence: iso(start), observed: { ...span, trigger: 'single_window' } };
    const run = CountWindow.consecutive(window, start, (v) => exceeds(v['psi'] ?? -Infinity, args.warnPsi));
    if (run >= args.warnRuns) return { scope, occurrence: iso(start), observed: { ...span, trigger: 'sustained', windowsRunning: run } };
    return { kind: 'clear', scope };
  },
});
