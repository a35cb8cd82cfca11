import { Arg, Calendar, CountWindow, DAY_MS, defineRule, durationMs, Field, Stats, Type, Windows, type Duration, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { FSA_MRM, iso, norm } from './finance-rule-helpers';

/**
 * Daily buckets, summed over the quarter when it is judged: a quarter is not a fixed duration, so
 * the rule arms and judges it itself. The history keeps the longest quarter until its judgement.
 */
const plan = (a: { lateness: string }): WindowPlan => ({ bucket: '1d', lateness: a.lateness, history: '91d' });

interface F6State extends WindowedState {
  /**
   * UTC offset (minutes) of the axis the daily buckets are counted on: the calendar in force
   * when the window was made, so its days fall on bucket bounds. A checkpoint from before
   * calendars could be set counts on UTC (0). Fixed for the window's life: after a change of
   * `utcOffsetMinutes`, quarters are judged on the old days (a day's bucket is at most a few
   * hours off the new calendar's day).
   */
  axis?: number;
}

/** The state's bucket axis, set when the window is first made. */
function axisMs(state: F6State, a: { utcOffsetMinutes: number }): number {
  state.axis ??= state.window === null ? a.utcOffsetMinutes : 0;
  return state.axis * 60_000;
}

/** Prefix of the timer that judges a quarter; the quarter's start (epoch ms) follows it. */
const QUARTER = 'quarter:';

/**
 * F6: realised over predicted default rate for a calendar quarter outside
 * [`lower`, `upper`]. Telemetry: `performance_metric` events named `observedMetric` and
 * `predictedMetric` (default rates, weighted by `n` when given) — the ratio is
 * Σ observed / Σ predicted — or, when no predicted rate was reported, events named
 * `ratioMetric` carrying the ratio itself (n-weighted mean). A quarter with neither is not judged. Reports count in the quarter of
 * their event time; the quarter is judged at its end plus `lateness`. Subgroup reports are
 * skipped. `minSamples` counts the reports (observed-rate or ratio) in the quarter. Quarters
 * are counted in Japan time by default, as every calendar window is (`utcOffsetMinutes`).
 */
export const f6CalibrationRatio = defineRule({
  id: 'F6',
  title: 'Calibration: realised/predicted default ratio out of range',
  rationale:
    'Predicted default rates feed pricing, provisioning and capital; when realised defaults stray far from ' +
    'them over a quarter the model is miscalibrated and its outputs misstate risk.',
  source: `${FSA_MRM}, principle 5 (ongoing monitoring, back-testing)`,
  defaultSeverity: 'medium',
  reads: ['performance_metric'],
  args: Type.Object({
    lower: Type.Number({ default: 0.8, minimum: 0, description: 'Lowest acceptable realised/predicted ratio.' }),
    upper: Type.Number({ default: 1.25, minimum: 0, description: 'Highest acceptable realised/predicted ratio.' }),
    observedMetric: Type.String({ default: 'observed_default_rate', description: 'performance_metric name of the realised default rate.' }),
    predictedMetric: Type.String({ default: 'predicted_default_rate', description: 'performance_metric name of the predicted (mean PD) default rate.' }),
    ratioMetric: Type.String({ default: 'calibration_ratio', description: 'performance_metric name of a ratio computed by the producer.' }),
    lateness: Arg.lateness('7d', 'reports', 'quarter'),
    minSamples: Arg.minSamples(1, 'reports', 'quarter'),
    utcOffsetMinutes: Type.Integer({ default: 540, minimum: -720, maximum: 840, description: 'Offset from UTC of the calendar the quarter is counted in (540 = JST).' }),
  }),
  window: (a) => ({ kind: 'calendar', size: '90d', lateness: a.lateness as Duration, minSamples: a.minSamples }),
  recovery: { clearFor: '1d' },
  initialState: (): F6State => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const name = Field.text(event.payload, 'metric');
    const value = Field.number(event.payload, 'value');
    if (name === undefined || value === undefined || Field.text(event.payload, 'subgroup') !== undefined) return undefined;
    const weight = Field.number(event.payload, 'n') ?? 1;
    const metric = norm(name);
    const tallies: Record<string, number> | undefined =
      metric === norm(args.observedMetric)
        ? { observed: value * weight, observedReports: 1, reports: 1 }
        : metric === norm(args.predictedMetric)
          ? { predicted: value * weight }
          : metric === norm(args.ratioMetric)
            ? { ratio: value * weight, ratioWeight: weight, reports: 1 }
            : undefined;
    if (!tallies) return undefined;
    const axis = axisMs(state, args);
    if (!CountWindow.add(Windows.of(state, plan(args)), time + axis, tallies)) return undefined;
    const quarter = Calendar.quarter(time, args.utcOffsetMinutes);
    timers.set(`${QUARTER}${quarter.start}`, quarter.end + durationMs(args.lateness));
    return undefined;
  },
  onTimer: ({ timer, state, args, timers }) => {
    const start = Number(timer.name.slice(QUARTER.length));
    if (!state.window || !timer.name.startsWith(QUARTER) || !Number.isFinite(start)) return undefined;
    const axis = axisMs(state, args);
    const window = Windows.of(state, plan(args));
    const quarter = Calendar.quarter(start, args.utcOffsetMinutes);
    if (quarter.start !== start) {
      // A timer armed under another calendar (utcOffsetMinutes changed since): the quarter that
      // holds it in the calendar now in force is judged instead, once, unless it already was.
      const current = Calendar.quarter(start + DAY_MS, args.utcOffsetMinutes);
      const name = `${QUARTER}${current.start}`;
      if (window.closedUntil < current.end + axis && timers.get(name) === undefined) timers.set(name, current.end + durationMs(args.lateness));
      return undefined;
    }
    const { end } = quarter;
    CountWindow.close(window, end + axis);
    const { observed = 0, observedReports = 0, predicted = 0, ratio = 0, ratioWeight = 0, reports = 0 } = CountWindow.sum(window, start + axis, end + axis);
    if (reports < args.minSamples) return undefined;
    const fromRates = predicted > 0 && observedReports > 0;
    const value = fromRates ? observed / predicted : ratioWeight > 0 ? ratio / ratioWeight : undefined;
    if (value === undefined) return undefined;
    const span = { quarter_start: iso(start), quarter_end: iso(end) };
    return Stats.below(value, args.lower) || Stats.above(value, args.upper)
      ? { occurrence: iso(start), observed: { ratio: value, basis: fromRates ? 'default_rates' : 'calibration_ratio', reports, ...span } }
      : { kind: 'clear' };
  },
});
