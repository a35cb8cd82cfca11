import { Arg, CountWindow, defineRule, durationMs, Evidence, Stats, Type, Windows, type JudgedWindow, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { FSA_AI_PAPER, FSA_MRM, iso } from './finance-rule-helpers';

// The baseline window is kept behind the judged one.
const plan = (a: { window: string; baselineWindow: string; lateness: string }): WindowPlan => ({
  bucket: '1d',
  span: a.window,
  lateness: a.lateness,
  history: a.baselineWindow,
});

/** Override rate of the `baselineWindow` before the judged span; `null` with fewer than `minSamples` outputs. */
function baselineRateOf(judged: JudgedWindow, baselineWindow: string, minSamples: number): number | null {
  const base = CountWindow.sum(judged.window, judged.start - durationMs(baselineWindow), judged.start);
  const outputs = base['outputs'] ?? 0;
  return outputs >= minSamples ? (base['overrides'] ?? 0) / outputs : null;
}

/**
 * F8: share of model outputs that reviewers overrode over the trailing `window` (7d): every
 * `prediction` is an output, every `human_override` with `action: 'override'` an override
 * (confirmations are not). Counted per day; each day with events is judged when it closes plus
 * `lateness`. Fires above `maxRate`, or above `maxBaselineMultiple` × the rate of the
 * `baselineWindow` before it (the baseline needs `minSamples` outputs and a rate above zero).
 * With fewer than `minSamples` outputs in the window, only a conclusive sample judges the
 * maximum rate (the baseline multiple is not judged), else the day is insufficient data.
 */
export const f8HumanOverrideRate = defineRule({
  id: 'F8',
  title: 'Human override rate too high',
  rationale:
    'When reviewers overturn the model often, or far more often than they used to, the model no longer ' +
    'fits the cases it decides and its use must be reviewed.',
  source: `${FSA_MRM}, principle 5 (ongoing monitoring); ${FSA_AI_PAPER} (human involvement)`,
  defaultSeverity: 'medium',
  reads: ['prediction', 'human_override'],
  args: Type.Object({
    maxRate: Type.Number({ default: 0.1, minimum: 0, maximum: 1, description: 'Highest acceptable override rate.' }),
    maxBaselineMultiple: Type.Number({ default: 2, minimum: 1, description: 'Highest acceptable rate as a multiple of the baseline rate.' }),
    ...Arg.shareWindow({ window: '7d', lateness: '1h', minSamples: 200 }, 'predictions', 'Trailing window the rate is taken over; judged at the close of each day.'),
    baselineWindow: Arg.duration('28d', 'Window before it whose rate is the baseline; it too needs minSamples predictions.'),
  }),
  window: Windows.spec('sliding'),
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const override = event.event_type === 'human_override';
    if (override && event.payload['action'] !== 'override') return undefined;
    Windows.count(state, plan(args), time, timers, override ? { overrides: 1 } : { outputs: 1 });
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const judged = Windows.judge(state, plan(args), timer.name);
    if (!judged) return undefined;
    const { outputs = 0, overrides = 0 } = judged.totals;
    const judgement = Stats.shareAtMost(overrides, outputs, args.maxRate, args.minSamples);
    if (!judgement) return undefined;
    const rate = judgement.share;
    const baselineRate = baselineRateOf(judged, args.baselineWindow, args.minSamples);
    // The baseline multiple is a comparison of two rates: it needs minSamples in the window too.
    const enough = judgement.bound === 'share';
    const exceeded = [
      ...(judgement.verdict === 'fail' ? ['max_rate'] : []),
      ...(enough && baselineRate !== null && baselineRate > 0 && Stats.above(rate, args.maxBaselineMultiple * baselineRate) ? ['baseline_multiple'] : []),
    ];
    const observed = { rate, overrides, outputs, baseline_rate: baselineRate, exceeded, ...Evidence.sample(judgement, args.minSamples), ...Evidence.window(judged) };
    if (exceeded.length > 0) {
      // Named by the trailing window's start, as `window_start` shows it, not by the closed day.
      return { occurrence: iso(judged.start), observed };
    }
    return judgement.verdict === 'insufficient' ? { kind: 'insufficient', observed } : { kind: 'clear' };
  },
});
