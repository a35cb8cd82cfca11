import { CountWindow, defineRule, Stats, Type } from '@kanshi/policy-sdk';
import { countInWindow, closeWindow, DurationArg, emptyWindowedState, windowBounds, windowOf } from './medical-rule-support';

/**
 * M11: clinicians overrule the device far more often than usual. The disagreement rate of a
 * window is `human_override` events with action "override" over predictions; it is compared with
 * the mean + 3σ of the previous windows that had enough predictions. No judgement until there
 * are enough such baseline windows or when the window itself has too few predictions.
 */
export const m11ClinicianDisagreementRate = defineRule({
  id: 'M11',
  title: 'Clinician disagreement rate above baseline + 3σ',
  rationale:
    'A sudden rise in clinicians overruling the device is an early sign that its performance or its ' +
    'population has shifted, ahead of any formal performance metric.',
  source: 'PMD Act post-market safety management (GVP); MHLW AI Q&A (Mar 2022: monitoring of AI device performance)',
  defaultSeverity: 'medium',
  reads: ['prediction', 'human_override'],
  args: Type.Object({
    sigmas: Type.Number({ default: 3, minimum: 0, description: 'Standard deviations above the baseline mean that count as abnormal.' }),
    baselineWindows: Type.Integer({ default: 14, minimum: 2, description: 'Previous windows the baseline is taken from.' }),
    minBaselineWindows: Type.Integer({ default: 7, minimum: 2, description: 'Fewest usable baseline windows before judging.' }),
    minSamples: Type.Integer({ default: 50, minimum: 1, description: 'Fewest predictions for a window to be judged or used as baseline.' }),
    window: DurationArg('1d', 'Tumbling window judged at its close.'),
    lateness: DurationArg('1h', 'How long after a window ends events for it still count.'),
  }),
  window: { kind: 'tumbling', size: '1d', minSamples: 50, lateness: '1h' },
  recovery: { clearFor: '3d' },
  initialState: emptyWindowedState,
  evaluate: ({ event, time, args, state, timers }) => {
    if (event.event_type === 'human_override' && event.payload['action'] !== 'override') return undefined;
    const win = windowOf(state, args.window, args.lateness, args.baselineWindows + 1);
    countInWindow(win, timers, time, args.lateness, event.event_type === 'prediction' ? { predictions: 1 } : { overrides: 1 });
    return undefined;
  },
  onTimer: ({ timer, args, state }) => {
    const window = closeWindow(state, timer.name);
    if (!window || !state.win) return undefined;
    const rateOf = ({ predictions = 0, overrides = 0 }: Readonly<Record<string, number>>) => overrides / predictions;
    const { predictions = 0, overrides = 0 } = window.values;
    if (predictions < args.minSamples) return undefined;
    const size = state.win.bucketMs;
    const baseline = CountWindow.series(state.win, window.start - args.baselineWindows * size, window.start)
      .filter(({ values }) => (values['predictions'] ?? 0) >= args.minSamples)
      .map(({ values }) => rateOf(values));
    const stats = baseline.length >= args.minBaselineWindows ? Stats.meanStd(baseline) : undefined;
    if (!stats) return undefined;
    const rate = rateOf(window.values);
    const limit = stats.mean + args.sigmas * stats.std;
    if (rate <= limit) return { kind: 'clear' };
    return {
      occurrence: window.occurrence,
      observed: { rate, predictions, overrides, baselineMean: stats.mean, baselineStd: stats.std, limit, baselineWindows: baseline.length, ...windowBounds(window.start, window.end) },
    };
  },
});
