import { Arg, Bounded, CountWindow, defineRule, durationMs, Evidence, Field, Stats, Type, Windows, type JudgedWindow, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { tumblingPlan } from './medical-rule-support';

interface M11Args {
  readonly window: string;
  readonly lateness: string;
  readonly baselineWindows: number;
  readonly minSamples: number;
}

/** The counting windows, and the decisions counted as overruled already, by trace id (bounded: the oldest go first). */
type M11State = WindowedState & { overruled: Record<string, number> };

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
 * window is the decisions clinicians overruled over predictions; it is compared with the mean +
 * 3σ of the previous windows that had enough predictions. A decision is overruled when a
 * `human_override` event says "override", or when the prediction itself records
 * `clinician_action` "override" (the field M10 requires); sent both ways, it counts once, matched
 * by trace id (the override's `trace_id`, else its envelope's, against the prediction's). No
 * judgement until there are enough such baseline windows or when the window itself has too few
 * predictions.
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
    maxTraces: Type.Integer({
      default: 1000,
      minimum: 1,
      maximum: 2000,
      description: 'Most overruled decisions remembered per model to count a decision reported both ways once; past it the oldest are forgotten.',
    }),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '3d' },
  initialState: (): M11State => ({ window: null, overruled: {} }),
  evaluate: ({ event, time, args, state, timers }) => {
    const isPrediction = event.event_type === 'prediction';
    const overruled = isPrediction ? Field.text(event.payload, 'clinician_action') === 'override' : event.payload['action'] === 'override';
    // Once per decision: a trace already counted as overruled adds nothing (states from before
    // this field start without the map).
    const trace = isPrediction ? event.trace_id : (Field.text(event.payload, 'trace_id') ?? event.trace_id);
    state.overruled ??= {};
    const counted = overruled && trace !== undefined && Bounded.has(state.overruled, trace);
    if (overruled && !counted && trace !== undefined) Bounded.set(state.overruled, trace, time, { max: args.maxTraces, rank: (at) => at });
    const values = { ...(isPrediction ? { predictions: 1 } : {}), ...(overruled && !counted ? { overrides: 1 } : {}) };
    if (Object.keys(values).length > 0) Windows.count(state, plan(args), time, timers, values);
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
      observed: { rate, predictions, overrides, baseline_mean: stats.mean, baseline_std: stats.std, limit, baseline_windows: baseline.length, ...Evidence.window(window) },
    };
  },
});
