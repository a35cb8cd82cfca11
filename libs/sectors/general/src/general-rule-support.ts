import { Evidence, type WindowPlan } from '@kanshi/policy-sdk';

/** Scopes and occurrences are at most 200 characters; longer names (free-text features, trace ids) are cut. */
export function limited(name: string): string {
  return name.length <= 200 ? name : name.slice(0, 200);
}

/** An epoch-ms time as the ISO string alerts show. */
export const iso = Evidence.time;

/** A tumbling window of the `window` argument: each window judged on its own when it closes. */
export function tumbling(a: { window: string; lateness: string }): WindowPlan {
  return { bucket: a.window, lateness: a.lateness };
}

/** A rolling window of the `window` argument, judged at the close of each day. */
export function dailySliding(a: { window: string; lateness: string }): WindowPlan {
  return { bucket: '1d', span: a.window, lateness: a.lateness };
}

/** Tallies under `prefix` in `totals`, by the rest of their name. */
export function byPrefix(totals: Readonly<Record<string, number>>, prefix: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const [name, value] of Object.entries(totals)) if (name.startsWith(prefix)) found.set(name.slice(prefix.length), value);
  return found;
}

