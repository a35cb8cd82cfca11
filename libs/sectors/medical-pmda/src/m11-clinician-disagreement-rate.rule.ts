import { Arg, CountWindow, defineRule, durationMs, Stats, Type, Windows, type JudgedWindow, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { tumblingPlan, windowBounds } from './medical-rule-support';

interface M11Args {
  readonly window: string;
  readonly lateness: string;
  readonly baselineWindows: number;
  readonly minSamples: number;
}

/** Tumbling windows that keep the baseline windows behind the judged one. */
function plan(args: M11Args): WindowPlan {
  return { ...tumblingPlan(args), history: `${args.baselineWindows * durationMs(args.window)}ms` };
}

const rateOf = ({ predictions = 0, overrides = 0 }: Readonly<Record<string, number>>): number => overrides / predictions;

/** Disagreement rates of the baseline windows before the judged one, those with enough predictions only. */
function baselineRates(judged: JudgedWindow, args: M11Args): number[] {
  const size = judged.window.bucketMs;
  return CountWindow.series(judged.window, judged.start - args.baselineWindows * size, judged.start)
    .filter(({ values }) => (values['predictions'] ?? 0) >= args.minSamples)
    .map(({ values }) => rateOf(values));
}

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
    window: Arg.duration('1d', 'Tumbling window judged at its close.'),
    lateness: Arg.duration('1h', 'How long after a window ends events for it still count.'),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '3d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, args, state, timers }) => {
    if (event.event_type === 'human_override' && event.payload['action'] !== 'override') return undefined;
    Windows.count(state, plan(args), time, timers, event.event_type === 'prediction' ? { predictions: 1 } : { overrides: 1 });
    return undefined;
  },
  onTimer: ({ timer, args, state }) => {
    const window = Windows.judge(state, plan(args), timer.name);
    if (!window) return undefined;
    const { predictions = 0, overrides = 0 } = window.totals;
    if (predictions < args.minSamples) return undefined;
    const baseline = baselineRates(window, args);
    const stats = baseline.length >= args.minBaselineWindows ? Stats.meanStd(baseline) : undefined;
    if (!stats) return undefined;
    const rate = rateOf(window.totals);
    const limit = stats.mean + args.sigmas * stats.std;
    if (!Stats.above(rate, limit)) return { kind: 'clear' };
    return {
      occurrence: window.occurrence,
      observed: { rate, predictions, overrides, baselineMean: stats.mean, baselineStd: stats.std, limit, baselineWindows: baseline.length, ...windowBounds(window.start, window.end) },
    };
  },
});
