import { CountWindow, DAY_MS, defineRule, durationMs, Type } from '@kanshi/policy-sdk';
import { closeWindow, countInWindow, durationArg, exceeds, FSA_AI_PAPER, FSA_MRM, iso, latenessArg, type WindowedState } from './finance-rule-helpers';

/**
 * F8: share of model outputs that reviewers overrode over the trailing `window` (7d): every
 * `prediction` is an output, every `human_override` with `action: 'override'` an override
 * (confirmations are not). Counted per day; each day with events is judged when it closes plus
 * `lateness`. Fires above `maxRate`, or above `maxBaselineMultiple` × the rate of the
 * `baselineWindow` before it (the baseline needs `minSamples` outputs and a rate above zero).
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
    window: durationArg('7d', 'Trailing window the rate is taken over.'),
    baselineWindow: durationArg('28d', 'Window before it whose rate is the baseline.'),
    lateness: latenessArg('1h'),
    minSamples: Type.Integer({ default: 200, minimum: 1, description: 'Fewest predictions in a window (and its baseline) before it is judged.' }),
  }),
  window: { kind: 'sliding', size: '7d', lateness: '1h', minSamples: 200 },
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const override = event.event_type === 'human_override';
    if (override && event.payload['action'] !== 'override') return undefined;
    const retainMs = durationMs(args.window) + durationMs(args.baselineWindow) + DAY_MS + durationMs(args.lateness);
    countInWindow(state, { bucket: '1d', retainMs, lateness: args.lateness }, time, override ? { overrides: 1 } : { outputs: 1 }, timers);
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const closed = closeWindow(state.window, timer.name);
    if (!closed) return undefined;
    const { window, end } = closed;
    const start = end - durationMs(args.window);
    const { outputs = 0, overrides = 0 } = CountWindow.sum(window, start, end);
    if (outputs < args.minSamples) return undefined;
    const rate = overrides / outputs;
    const base = CountWindow.sum(window, start - durationMs(args.baselineWindow), start);
    const baseOutputs = base['outputs'] ?? 0;
    const baselineRate = baseOutputs >= args.minSamples ? (base['overrides'] ?? 0) / baseOutputs : null;
    const exceeded = [
      ...(exceeds(rate, args.maxRate) ? ['max_rate'] : []),
      ...(baselineRate !== null && baselineRate > 0 && exceeds(rate, args.maxBaselineMultiple * baselineRate) ? ['baseline_multiple'] : []),
    ];
    if (exceeded.length === 0) return { kind: 'clear' };
    return { occurrence: iso(start), observed: { rate, overrides, outputs, baselineRate, exceeded, windowStart: iso(start), windowEnd: iso(end) } };
  },
});
