import { CountWindow, durationMs, Type, type CountWindowState, type Duration, type RuleTimers } from '@kanshi/policy-sdk';

/*
 * Small readers and window plumbing the medical rules share. Payloads were checked against the
 * contract, but optional and extra fields may be absent or of an odd type: every reader answers
 * `undefined` instead of throwing.
 */

type Payload = Readonly<Record<string, unknown>>;

/** A non-empty string field, trimmed; `undefined` otherwise. */
export function text(payload: Payload, key: string): string | undefined {
  const value = payload[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A finite number field; `undefined` otherwise. */
export function num(payload: Payload, key: string): number | undefined {
  const value = payload[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** An epoch-ms time from an RFC 3339 field; `undefined` when absent or unparsable. */
export function timeOf(payload: Payload, key: string): number | undefined {
  const value = text(payload, key);
  const time = value === undefined ? NaN : Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** A duration argument: a whole number and a unit, validated by the schema so a bad override is refused. */
export function DurationArg(defaultValue: Duration, description: string) {
  return Type.String({ default: defaultValue, pattern: '^[0-9]+(ms|s|m|h|d)$', description });
}

/** A list-of-strings argument. */
export function NamesArg(defaultValue: readonly string[], description: string) {
  return Type.Array(Type.String({ minLength: 1 }), { default: [...defaultValue], description });
}

/** Remembers `key` in a bounded list; `true` the first time it is seen. Keeps state small. */
export function firstTime(seen: string[], key: string, keep = 500): boolean {
  if (seen.includes(key)) return false;
  seen.push(key);
  if (seen.length > keep) seen.splice(0, seen.length - keep);
  return true;
}

/**
 * State of a rule that counts in tumbling windows whose size is an argument: `initialState()`
 * cannot see the arguments, so the window is made on first use (and remade if a tenant changes
 * the size).
 */
export interface WindowedState {
  win: CountWindowState | null;
}

export const emptyWindowedState = (): WindowedState => ({ win: null });

/** The rule's window with `size`-wide buckets, keeping `keepWindows` of them plus the lateness. */
export function windowOf(state: WindowedState, size: string, lateness: string, keepWindows = 1): CountWindowState {
  const bucketMs = durationMs(size);
  const retainMs = bucketMs * keepWindows + durationMs(lateness);
  const old = state.win;
  if (old && old.bucketMs === bucketMs && old.retainMs === retainMs) return old;
  const win = CountWindow.create(`${bucketMs}ms`, `${retainMs}ms`);
  if (old) {
    // Keep what was judged judged, so a changed size never judges a window twice; keep the
    // counts too when only the history kept changed (e.g. a longer baseline).
    win.closedUntil = old.closedUntil;
    if (old.bucketMs === bucketMs) Object.assign(win, { buckets: old.buckets, watermark: old.watermark, late: old.late });
  }
  state.win = win;
  return win;
}

const CLOSE = 'close@';

/**
 * Counts `tallies` at `time` and schedules the judgement of its window at its end plus the
 * lateness. One timer per window (named after its start), so traffic of the next window never
 * moves the timer of one still waiting for late events.
 */
export function countInWindow(win: CountWindowState, timers: RuleTimers, time: number, lateness: string, tallies: Readonly<Record<string, number>>): void {
  if (!CountWindow.add(win, time, tallies)) return;
  const start = CountWindow.bucketStart(win, time);
  timers.set(`${CLOSE}${new Date(start).toISOString()}`, start + win.bucketMs + durationMs(lateness));
}

/**
 * The window a close timer is for, its tallies, and its occurrence name; marks it judged so
 * later events for it count as late. `undefined` for another timer or an unknown state.
 */
export function closeWindow(state: WindowedState, timerName: string): { start: number; end: number; values: Readonly<Record<string, number>>; occurrence: string } | undefined {
  if (!state.win || !timerName.startsWith(CLOSE)) return undefined;
  const start = Date.parse(timerName.slice(CLOSE.length));
  if (Number.isNaN(start)) return undefined;
  const end = start + state.win.bucketMs;
  const values = CountWindow.bucket(state.win, start);
  CountWindow.close(state.win, end);
  return { start, end, values, occurrence: new Date(start).toISOString() };
}

/** Window bounds for `observed`, as ISO strings. */
export function windowBounds(start: number, end: number): { windowStart: string; windowEnd: string } {
  return { windowStart: new Date(start).toISOString(), windowEnd: new Date(end).toISOString() };
}

/** The fields of an `incident` payload the medical rules read; `undefined` without an id. */
export function incidentOf(payload: Payload): { id: string; type: string | undefined; harm: string | undefined; awareness: number | undefined } | undefined {
  const id = text(payload, 'incident_id');
  if (id === undefined) return undefined;
  return { id, type: text(payload, 'type'), harm: text(payload, 'patient_harm'), awareness: timeOf(payload, 'awareness_time') };
}

/** Scope of a finding about one incident. */
export const incidentScope = (id: string, suffix?: string): string => `incident:${id}${suffix === undefined ? '' : `/${suffix}`}`.slice(0, 200);
