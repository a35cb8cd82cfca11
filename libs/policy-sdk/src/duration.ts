import { parseDurationMs } from '@kanshi/contracts';

/**
 * A span of time as rules write it: a whole number and a unit, `ms`, `s`, `m`, `h` or `d`
 * (`'1h'`, `'24h'`, `'7d'`). Calendar months are not durations; write `'30d'`.
 */
export type Duration = `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** One hour in milliseconds, for arithmetic on event times in rules. */
export const HOUR_MS = UNIT_MS.h;
/** One day in milliseconds (24 h; calendar days across a zone change are not special). */
export const DAY_MS = UNIT_MS.d;

/**
 * Milliseconds in a {@link Duration}.
 *
 * @example
 * ```ts
 * durationMs('24h'); // 86_400_000
 * ```
 * @throws Error naming the value when it is not a duration.
 */
export function durationMs(duration: string): number {
  // Rules convert their duration arguments on every event: remember the few distinct values.
  const known = PARSED.get(duration);
  if (known !== undefined) return known;
  const ms = parseDurationMs(duration);
  if (ms === undefined) throw new Error(`"${duration}" is not a duration: write a whole number and a unit (ms, s, m, h, d), e.g. "24h".`);
  if (PARSED.size >= MAX_PARSED) PARSED.clear();
  PARSED.set(duration, ms);
  return ms;
}

const PARSED = new Map<string, number>();
/** Durations are tenants' arguments: a bounded set in practice, bounded here in any case. */
const MAX_PARSED = 1024;
