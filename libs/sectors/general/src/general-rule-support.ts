import type { JudgedWindow, WindowPlan } from '@kanshi/policy-sdk';

/** Scopes and occurrences are at most 200 characters; longer names (free-text features, trace ids) are cut. */
export function limited(name: string): string {
  return name.length <= 200 ? name : name.slice(0, 200);
}

/** An epoch-ms time as the ISO string alerts show. */
export function iso(time: number): string {
  return new Date(time).toISOString();
}

/** A tumbling window of the `window` argument: each window judged on its own when it closes. */
export function tumbling(a: { window: string; lateness: string }): WindowPlan {
  return { bucket: a.window, lateness: a.lateness };
}

/** A rolling window of the `window` argument, judged at the close of each day. */
export function dailySliding(a: { window: string; lateness: string }): WindowPlan {
  return { bucket: '1d', span: a.window, lateness: a.lateness };
}

/** The judged span's bounds, as every windowed rule of the sector shows them in `observed`. */
export function bounds(judged: JudgedWindow): { window_start: string; window_end: string } {
  return { window_start: iso(judged.start), window_end: iso(judged.end) };
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
