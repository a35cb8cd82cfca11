import { Arg, Field, CountWindow, durationMs, type CountWindowState, type RuleTimers } from '@kanshi/policy-sdk';

// Payload readers and argument schemas come from the SDK; the local names stay for the rules.
export const text = Field.text;
export const num = Field.number;
export const timeOf = Field.time;
export const DurationArg = Arg.duration;
export const NamesArg = Arg.names;

type Payload = Readonly<Record<string, unknown>>;

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
