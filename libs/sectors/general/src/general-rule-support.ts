import { Arg, Field, CountWindow, durationMs, Type, type CountWindowState, type Duration, type RuleTimers } from '@kanshi/policy-sdk';

// Payload readers and argument schemas come from the SDK; the local names stay for the rules.
export const textField = Field.text;
export const numberField = Field.number;
export const timeField = Field.time;
export const DurationArg = Arg.duration;
export const NamesArg = Arg.names;

/** A minimum-sample argument. */
export function MinSamplesArg(defaultValue: number, description: string) {
  return Type.Integer({ default: defaultValue, minimum: 1, description });
}

/** Scopes and occurrences are at most 200 characters; longer names (free-text features, trace ids) are cut. */
export function limited(name: string): string {
  return name.length <= 200 ? name : name.slice(0, 200);
}

export function iso(time: number): string {
  return new Date(time).toISOString();
}

/**
 * State of a windowed rule. The window is made on the first event rather than in
 * `initialState()`, because its bucket width is a tenant argument and `initialState()` does not
 * see the arguments; a changed width starts a fresh window.
 */
export interface WindowedState {
  window: CountWindowState | null;
}

export function windowedState(): WindowedState {
  return { window: null };
}

const CLOSE = 'close@';

/** Name of the timer that judges the bucket starting at `start`: one per bucket, so a later bucket never moves it. */
export function closeTimer(start: number): string {
  return `${CLOSE}${iso(start)}`;
}

/** Start of the bucket a close timer judges, or `undefined` for another timer. */
export function closedStart(timerName: string): number | undefined {
  if (!timerName.startsWith(CLOSE)) return undefined;
  const start = Date.parse(timerName.slice(CLOSE.length));
  return Number.isNaN(start) ? undefined : start;
}

export interface WindowPlan {
  /** Width of one bucket: the judged unit. */
  readonly bucket: string;
  /** Span judged at each bucket's close (the bucket itself for a tumbling window). */
  readonly span: string;
  /** How long after a bucket's end events still count before it is judged. */
  readonly lateness: string;
}

function windowFor(state: WindowedState, plan: WindowPlan): CountWindowState {
  const bucketMs = durationMs(plan.bucket);
  const retainMs = durationMs(plan.span) + bucketMs + durationMs(plan.lateness);
  if (state.window === null || state.window.bucketMs !== bucketMs || state.window.retainMs !== retainMs) {
    state.window = CountWindow.create(`${bucketMs}ms`, `${retainMs}ms`);
  }
  return state.window;
}

/**
 * Counts into the bucket of `time` with `record` and schedules that bucket's judgement at its
 * end plus the lateness. `record` answers `false` when the event was too late to count.
 */
export function countInWindow(
  state: WindowedState,
  timers: RuleTimers,
  time: number,
  plan: WindowPlan,
  record: (window: CountWindowState) => boolean,
): void {
  const window = windowFor(state, plan);
  if (!record(window)) return;
  const start = CountWindow.bucketStart(window, time);
  timers.set(closeTimer(start), start + window.bucketMs + durationMs(plan.lateness));
}

/** What a close timer judges: the span ending with the closed bucket, its totals, and its bounds. */
export interface JudgedSpan {
  readonly start: number;
  readonly end: number;
  readonly totals: Readonly<Record<string, number>>;
  /** Window bounds for `observed`. */
  readonly bounds: { readonly window_start: string; readonly window_end: string };
}

/**
 * On a close timer: the totals of the span ending with the closed bucket, after which that
 * time counts as judged (later events for it are refused as late). `undefined` for another
 * timer or when the window is gone.
 */
export function judgeSpan(state: WindowedState, timerName: string, plan: WindowPlan): JudgedSpan | undefined {
  const bucketStart = closedStart(timerName);
  if (bucketStart === undefined || state.window === null) return undefined;
  const end = bucketStart + state.window.bucketMs;
  const start = Math.min(bucketStart, end - durationMs(plan.span));
  const totals = CountWindow.sum(state.window, start, end);
  CountWindow.close(state.window, end);
  return { start, end, totals, bounds: { window_start: iso(start), window_end: iso(end) } };
}

/** Tallies under `prefix` in `totals`, by the rest of their name. */
export function byPrefix(totals: Readonly<Record<string, number>>, prefix: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const [name, value] of Object.entries(totals)) if (name.startsWith(prefix)) found.set(name.slice(prefix.length), value);
  return found;
}

/** Rounds for display in `observed`; judgements use the exact value. */
export function rounded(value: number, digits = 6): number {
  return Number(value.toFixed(digits));
}

/**
 * Threshold comparisons at nine decimals, so a value exactly at a threshold (1 − 0.95 is
 * 0.050000000000000044 in floating point) is judged as the threshold, as a reader expects.
 */
export function above(value: number, limit: number): boolean {
  return rounded(value, 9) > limit;
}

export function below(value: number, limit: number): boolean {
  return rounded(value, 9) < limit;
}

/**
 * The window, lateness and minimum-sample arguments of a windowed rule, with its defaults and
 * what it counts (`"generated outputs"`), so every windowed rule describes them alike.
 */
export function windowArgs(defaults: { window: Duration; lateness: Duration; minSamples: number }, counted: string, sliding = false) {
  return {
    window: DurationArg(defaults.window, sliding ? `Rolling window the check covers; judged once a day.` : `Tumbling window the check covers, judged once when it closes.`),
    lateness: DurationArg(defaults.lateness, `How long after a window ends late ${counted} still count.`),
    minSamples: MinSamplesArg(defaults.minSamples, `Fewest ${counted} in the window before it is judged; fewer is no finding and no clear.`),
  };
}

/** A tumbling window of the `window` argument: each bucket judged on its own. */
export function tumbling(a: { window: string; lateness: string }): WindowPlan {
  return { bucket: a.window, span: a.window, lateness: a.lateness };
}

/** A rolling window of the `window` argument, judged at the close of each day. */
export function dailySliding(a: { window: string; lateness: string }): WindowPlan {
  return { bucket: '1d', span: a.window, lateness: a.lateness };
}
