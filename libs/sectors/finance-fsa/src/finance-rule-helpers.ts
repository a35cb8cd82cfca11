import { Arg, Field, CountWindow, durationMs, type CountWindowState, type Duration, type ModelProfile, type RuleTimers, type TelemetryEvent } from '@kanshi/policy-sdk';

// Payload readers and argument schemas come from the SDK; the local names stay for the rules.
export const durationArg = Arg.duration;
export const text = Field.text;
export const num = Field.number;

/** Source citations shared by the finance rules. */
export const FSA_MRM = 'FSA Principles for Model Risk Management (Nov 2021)';
export const FSA_AI_PAPER = 'FSA AI Discussion Paper (Mar 2025)';

export function iso(time: number): string {
  return new Date(time).toISOString();
}

/** Case- and space-insensitive form used to compare names (metrics, decisions, scopes). */
export function norm(value: string): string {
  return value.trim().toLowerCase();
}

/** A finding scope `<prefix>:<value>`, cut to the 200 characters a scope may have. */
export function scopeOf(prefix: string, value: string): string {
  return `${prefix}:${value}`.slice(0, 200);
}

/** The risk tier: the inventory's, else the one the last deployment reported (kept by the rule). */
export function riskTier(model: ModelProfile | undefined, reported: string | null): string | null {
  return model?.riskTier ?? reported;
}

/** The `risk_tier` a `model_deployment` event reports, if any. */
export function reportedTier(event: TelemetryEvent): string | undefined {
  return event.event_type === 'model_deployment' ? text(event.payload, 'risk_tier') : undefined;
}

/** State of a rule that counts in one window whose bucket width is an argument. */
export interface WindowedState {
  window: CountWindowState | null;
}

/**
 * The window kept in `holder`, made on first use from the arguments in force (`initialState`
 * cannot see them). When a tenant changes the bucket width the counts restart: tallies of
 * another width cannot be compared.
 */
export function windowIn(holder: WindowedState, bucket: string, retainMs: number): CountWindowState {
  const bucketMs = durationMs(bucket);
  const current = holder.window;
  if (current && current.bucketMs === bucketMs && current.retainMs >= retainMs) return current;
  const fresh = CountWindow.create(bucket as Duration);
  const window = { ...fresh, retainMs: Math.max(bucketMs, retainMs) };
  holder.window = window;
  return window;
}

const CLOSE = 'close:';

/**
 * Sets the timer that judges the bucket holding `time` once it has closed and `lateness` has
 * passed. The bucket start (and an optional key, e.g. a feature) is in the timer's name, so the
 * timer still names its window if a tenant changes the arguments in between.
 */
export function scheduleClose(timers: RuleTimers, window: CountWindowState, time: number, lateness: string, key?: string): void {
  const start = CountWindow.bucketStart(window, time);
  timers.set(closeTimerName(start, key), start + window.bucketMs + durationMs(lateness));
}

export function closeTimerName(start: number, key?: string): string {
  return key === undefined ? `${CLOSE}${start}` : `${CLOSE}${start}:${key}`;
}

/** The window start (and key) a close timer names, or `undefined` for another timer. */
export function closedWindow(timerName: string): { start: number; key: string | undefined } | undefined {
  if (!timerName.startsWith(CLOSE)) return undefined;
  const rest = timerName.slice(CLOSE.length);
  const colon = rest.indexOf(':');
  const start = Number(colon < 0 ? rest : rest.slice(0, colon));
  if (!Number.isFinite(start)) return undefined;
  return { start, key: colon < 0 ? undefined : rest.slice(colon + 1) };
}

/** Differences smaller than this are rounding, not a breach: 0.8 − 0.75 is 0.05, not 0.05000000000000004. */
const EPSILON = 1e-9;

/** `value > limit`, ignoring floating-point rounding. */
export function exceeds(value: number, limit: number): boolean {
  return value - limit > EPSILON;
}

/** `value < limit`, ignoring floating-point rounding. */
export function fallsBelow(value: number, limit: number): boolean {
  return limit - value > EPSILON;
}

/**
 * For a close timer: the window it names, marked judged (later events for it count as late),
 * with the bucket's start and end. `undefined` for another timer or an empty state.
 */
export function closeWindow(window: CountWindowState | null, timerName: string): { window: CountWindowState; start: number; end: number; key: string | undefined } | undefined {
  const closed = closedWindow(timerName);
  if (!closed || !window) return undefined;
  const end = closed.start + window.bucketMs;
  CountWindow.close(window, end);
  return { window, start: closed.start, end, key: closed.key };
}

/** The `lateness` argument of a windowed rule. */
export function latenessArg(value: Duration) {
  return durationArg(value, 'How long after a window (or day) closes its events still count.');
}

/**
 * Counts `tallies` at `time` in the window kept in `holder` and arms the timer that judges the
 * bucket; `false` when the event came too late to count.
 */
export function countInWindow(
  holder: WindowedState,
  window: { bucket: string; retainMs: number; lateness: string },
  time: number,
  tallies: Readonly<Record<string, number>>,
  timers: RuleTimers,
): boolean {
  const counted = windowIn(holder, window.bucket, window.retainMs);
  if (!CountWindow.add(counted, time, tallies)) return false;
  scheduleClose(timers, counted, time, window.lateness);
  return true;
}
