import { durationMs, type Duration } from './duration';

/**
 * Time-bucketed tallies in event time, kept as plain JSON inside a rule's state: the one
 * building block for tumbling windows (one bucket per window), sliding windows (sum the buckets
 * of the span), rates, means (sum and count), maxima and "n windows running".
 */
export interface CountWindowState {
  /** Width of one bucket in milliseconds. */
  readonly bucketMs: number;
  /** How far behind the newest event buckets are kept (and events still counted). */
  readonly retainMs: number;
  /** Buckets by start time (epoch ms, a multiple of `bucketMs`), oldest first. */
  buckets: CountBucket[];
  /** Newest event time seen; `null` before the first. */
  watermark: number | null;
  /** Events before this time no longer count: their window was judged (see `close`). */
  closedUntil: number;
  /** Events refused because they came too late. */
  late: number;
  /**
   * Most distinct tally names one bucket holds, for names built from telemetry (a feature, a
   * subgroup): a call that would add more is refused as a whole and counted in the bucket's
   * `refused`. Unset: no cap (names fixed by the rule need none).
   */
  maxNames?: number;
}

/** One bucket of a {@link CountWindowState}. */
export interface CountBucket {
  /** Start of the bucket (epoch ms). */
  start: number;
  /** Tallies by name. */
  values: Record<string, number>;
  /** Distinct names in `values`, kept while the window has `maxNames` (counted on first need). */
  names?: number;
  /** Calls refused because they would have taken the bucket past `maxNames`. */
  refused?: number;
}

function findBucket(state: CountWindowState, start: number) {
  return state.buckets.find((b) => b.start === start);
}

function bucketFor(state: CountWindowState, time: number): CountBucket | undefined {
  if (time < state.closedUntil) {
    state.late++;
    return undefined;
  }
  const watermark = Math.max(state.watermark ?? time, time);
  if (time < watermark - state.retainMs) {
    state.late++;
    return undefined;
  }
  state.watermark = watermark;
  const horizon = watermark - state.retainMs;
  while (state.buckets.length > 0 && (state.buckets[0] as { start: number }).start + state.bucketMs <= horizon) state.buckets.shift();
  const start = CountWindow.bucketStart(state, time);
  // Most events land in the newest bucket: search from the end, insert in order.
  let at = state.buckets.length;
  while (at > 0) {
    const bucket = state.buckets[at - 1] as CountBucket;
    if (bucket.start === start) return bucket;
    if (bucket.start < start) break;
    at--;
  }
  const bucket: CountBucket = { start, values: {} };
  state.buckets.splice(at, 0, bucket);
  return bucket;
}

/** Names of `tallies` the bucket does not hold yet. */
function newNames(values: Readonly<Record<string, number>>, tallies: Readonly<Record<string, number>>): number {
  let fresh = 0;
  for (const name in tallies) if (!Object.prototype.hasOwnProperty.call(values, name)) fresh++;
  return fresh;
}

/** Whether the bucket can take `fresh` more names under the window's cap. */
function roomFor(state: CountWindowState, bucket: CountBucket | undefined, fresh: number): boolean {
  if (state.maxNames === undefined || fresh === 0) return true;
  const held = bucket === undefined ? 0 : (bucket.names ??= Object.keys(bucket.values).length);
  return held + fresh <= state.maxNames;
}

/** The bucket of `time` ready for `tallies`, or `undefined` (counted) when too late or over the cap. */
function bucketTaking(state: CountWindowState, time: number, tallies: Readonly<Record<string, number>>): Record<string, number> | undefined {
  const bucket = bucketFor(state, time);
  if (!bucket) return undefined;
  if (state.maxNames === undefined) {
    // A count from a time the window had a cap would go stale.
    if (bucket.names !== undefined) delete bucket.names;
    return bucket.values;
  }
  const fresh = newNames(bucket.values, tallies);
  if (!roomFor(state, bucket, fresh)) {
    bucket.refused = (bucket.refused ?? 0) + 1;
    return undefined;
  }
  bucket.names = (bucket.names ?? Object.keys(bucket.values).length) + fresh;
  return bucket.values;
}

/**
 * Operations on a {@link CountWindowState}.
 *
 * @example Share of explained decisions per hour
 * ```ts
 * const window = CountWindow.create('1h', '3h');
 * CountWindow.add(window, time, { decisions: 1, explained: hasReasons ? 1 : 0 });
 * const { decisions = 0, explained = 0 } = CountWindow.bucket(window, CountWindow.bucketStart(window, time));
 * ```
 *
 * @example Tallies named after a feature from telemetry: at most 200 names per bucket
 * ```ts
 * const window = CountWindow.create('1d', '2d', 200);
 * if (!CountWindow.hasRoom(window, time, [`n:${feature}`])) return Bounded.limitFinding('features', 200, time);
 * CountWindow.add(window, time, { [`n:${feature}`]: 1 });
 * ```
 */
export const CountWindow = {
  /**
   * An empty window of `bucket`-wide buckets, keeping `retain` of history (at least one
   * bucket), with at most `maxNames` distinct tally names per bucket when given.
   */
  create(bucket: Duration, retain: Duration = bucket, maxNames?: number): CountWindowState {
    const bucketMs = durationMs(bucket);
    return {
      bucketMs,
      retainMs: Math.max(bucketMs, durationMs(retain)),
      buckets: [],
      watermark: null,
      closedUntil: 0,
      late: 0,
      ...(maxNames === undefined ? {} : { maxNames }),
    };
  },

  /** Start of the bucket holding `time` (epoch ms). */
  bucketStart(state: CountWindowState, time: number): number {
    return Math.floor(time / state.bucketMs) * state.bucketMs;
  },

  /** End (exclusive) of the bucket holding `time`. */
  bucketEnd(state: CountWindowState, time: number): number {
    return CountWindow.bucketStart(state, time) + state.bucketMs;
  },

  /**
   * Adds tallies at `time`; `false` when the event is too late to count (counted in `late`) or
   * its new names would take the bucket past `maxNames` (counted in the bucket's `refused`).
   */
  add(state: CountWindowState, time: number, tallies: Readonly<Record<string, number>>): boolean {
    const values = bucketTaking(state, time, tallies);
    if (!values) return false;
    for (const [name, value] of Object.entries(tallies)) values[name] = (values[name] ?? 0) + value;
    return true;
  },

  /** Keeps the largest value seen per name in the bucket of `time`; `false` as for {@link CountWindow.add}. */
  max(state: CountWindowState, time: number, values: Readonly<Record<string, number>>): boolean {
    const bucket = bucketTaking(state, time, values);
    if (!bucket) return false;
    for (const [name, value] of Object.entries(values)) bucket[name] = Math.max(bucket[name] ?? -Infinity, value);
    return true;
  },

  /**
   * Whether the bucket of `time` has room under `maxNames` for these names (names it holds
   * already take none): ask before recording several calls that must all count, or to say
   * that a cap was reached.
   */
  hasRoom(state: CountWindowState, time: number, names: readonly string[]): boolean {
    if (state.maxNames === undefined) return true;
    const bucket = findBucket(state, CountWindow.bucketStart(state, time));
    let fresh = 0;
    for (const name of new Set(names)) if (!bucket || !Object.prototype.hasOwnProperty.call(bucket.values, name)) fresh++;
    return roomFor(state, bucket, fresh);
  },

  /** Calls refused over `maxNames` in the buckets overlapping `[from, to)`. */
  refused(state: CountWindowState, from: number, to: number): number {
    let refused = 0;
    for (const bucket of state.buckets) if (bucket.start + state.bucketMs > from && bucket.start < to) refused += bucket.refused ?? 0;
    return refused;
  },

  /** The tallies of the bucket starting at `start` (empty when nothing was counted). */
  bucket(state: CountWindowState, start: number): Readonly<Record<string, number>> {
    return findBucket(state, start)?.values ?? {};
  },

  /** Sums of every bucket overlapping `[from, to)`: a sliding window's totals. */
  sum(state: CountWindowState, from: number, to: number): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const { start, values } of state.buckets) {
      if (start + state.bucketMs <= from || start >= to) continue;
      for (const [name, value] of Object.entries(values)) totals[name] = (totals[name] ?? 0) + value;
    }
    return totals;
  },

  /** Buckets starting in `[from, to)`, oldest first, with the empty ones included as `{}`. */
  series(state: CountWindowState, from: number, to: number): { start: number; values: Readonly<Record<string, number>> }[] {
    const series = [];
    for (let start = CountWindow.bucketStart(state, from); start < to; start += state.bucketMs) {
      series.push({ start, values: CountWindow.bucket(state, start) });
    }
    return series;
  },

  /**
   * How many buckets in a row, ending with the one starting at `lastStart`, satisfy `test`
   * ("more than 0.10 seven days running"). A missing bucket breaks the run.
   */
  consecutive(state: CountWindowState, lastStart: number, test: (values: Readonly<Record<string, number>>) => boolean): number {
    let run = 0;
    for (let start = lastStart; ; start -= state.bucketMs) {
      const bucket = findBucket(state, start);
      if (!bucket || !test(bucket.values)) return run;
      run++;
    }
  },

  /** Marks everything before `until` as judged: later events for that time count as late. */
  close(state: CountWindowState, until: number): void {
    state.closedUntil = Math.max(state.closedUntil, until);
  },
};

/**
 * Relative-error quantiles over tallies (a DDSketch with 1 % relative accuracy): store
 * `QuantileSketch.tally(x)` in a {@link CountWindow} and read any quantile of any span of it.
 * Values must be ≥ 0.
 *
 * @example p95 latency over the last hour
 * ```ts
 * CountWindow.add(window, time, QuantileSketch.tally(latencyMs));
 * const p95 = QuantileSketch.quantile(CountWindow.sum(window, time - HOUR_MS, time + 1), 0.95);
 * ```
 */
export const QuantileSketch = {
  /** The tallies that record one value. */
  tally(value: number): Record<string, number> {
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`QuantileSketch takes finite values ≥ 0, not ${value}`);
    return { [value === 0 ? 'q:zero' : `q:${Math.ceil(Math.log(value) / LOG_GAMMA)}`]: 1 };
  },

  /** Number of values recorded in `tallies`. */
  count(tallies: Readonly<Record<string, number>>): number {
    let n = 0;
    for (const [name, count] of Object.entries(tallies)) if (name.startsWith('q:')) n += count;
    return n;
  },

  /** The `q`-quantile (0–1) of the recorded values, within 1 %; `undefined` when there are none. */
  quantile(tallies: Readonly<Record<string, number>>, q: number): number | undefined {
    const zero = tallies['q:zero'] ?? 0;
    const bins = Object.entries(tallies)
      .filter(([name]) => name.startsWith('q:') && name !== 'q:zero')
      .map(([name, count]) => [Number(name.slice(2)), count] as const)
      .sort((a, b) => a[0] - b[0]);
    const total = zero + bins.reduce((n, [, count]) => n + count, 0);
    if (total === 0) return undefined;
    const rank = Math.min(total - 1, Math.max(0, Math.ceil(q * total) - 1));
    if (rank < zero) return 0;
    let seen = zero;
    for (const [key, count] of bins) {
      seen += count;
      // The bin (γ^(k-1), γ^k] is represented by the value with equal relative error to both ends.
      if (seen > rank) return (2 * GAMMA ** key) / (GAMMA + 1);
    }
    return undefined;
  },
};

const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/** Differences smaller than this are floating-point rounding, not a breach. */
const EPSILON = 1e-9;

/**
 * Small statistics the rules share.
 *
 * @example
 * ```ts
 * const coverage = Stats.ratio(explained, decisions);            // undefined when no decisions
 * if (coverage !== undefined && Stats.below(coverage, 0.99)) …
 * const { low } = Stats.wilson(detected, n) ?? { low: 0 };       // 95 % lower bound of a proportion
 * ```
 */
export const Stats = {
  /**
   * `value > limit`, ignoring floating-point rounding: a value exactly at a threshold is judged
   * as the threshold, as a reader expects (1 − 0.95 is 0.050000000000000044 in floating point).
   */
  above(value: number, limit: number): boolean {
    return value - limit > EPSILON;
  },

  /** `value < limit`, ignoring floating-point rounding (see {@link Stats.above}). */
  below(value: number, limit: number): boolean {
    return limit - value > EPSILON;
  },

  /** `part / whole`, or `undefined` when `whole` is 0. */
  ratio(part: number, whole: number): number | undefined {
    return whole === 0 ? undefined : part / whole;
  },

  /** Mean and (sample) standard deviation; `undefined` for fewer than two values. */
  meanStd(values: readonly number[]): { mean: number; std: number } | undefined {
    if (values.length < 2) return undefined;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
    return { mean, std: Math.sqrt(variance) };
  },

  /**
   * Wilson score interval of a proportion (`successes` of `n`) at confidence `z` (1.96 for
   * 95 %): the lower bound a sensitivity claim is checked against.
   */
  wilson(successes: number, n: number, z = 1.96): { low: number; high: number } | undefined {
    if (n <= 0) return undefined;
    const p = successes / n;
    const z2 = z * z;
    const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
    return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
  },

  /**
   * The verdict on a share that must be at least `min` (coverage: `hits` explained, labelled or
   * traced of `n`). From `minSamples` on, the share itself decides. Below it, only a conclusive
   * sample does, at 95 %: `fail` when even the Wilson upper bound is below `min` (30 unlabelled
   * of 30), `pass` when its lower bound reaches `min`, and otherwise `insufficient` (1
   * unlabelled of 30 proves neither). `undefined` when there is nothing to judge (`n` = 0).
   * `share` is `hits / n`; `bound` names what decided: `share`, `upper` or `lower` (a bound), or
   * `none`.
   */
  shareAtLeast(hits: number, n: number, min: number, minSamples: number, z = 1.96): ShareVerdict | undefined {
    if (n <= 0) return undefined;
    const share = hits / n;
    if (n >= minSamples) return { verdict: Stats.below(share, min) ? 'fail' : 'pass', share, n, bound: 'share' };
    const { low, high } = Stats.wilson(hits, n, z) as { low: number; high: number };
    if (Stats.below(high, min)) return { verdict: 'fail', share, n, bound: 'upper' };
    if (!Stats.below(low, min)) return { verdict: 'pass', share, n, bound: 'lower' };
    return { verdict: 'insufficient', share, n, bound: 'none' };
  },

  /**
   * The verdict on a share that must be at most `max` (a rate: `hits` overrides, violations or
   * out-of-range inputs of `n`), the mirror of {@link Stats.shareAtLeast}: below `minSamples`,
   * `fail` only when the Wilson lower bound is above `max`, `pass` when the upper bound is not.
   */
  shareAtMost(hits: number, n: number, max: number, minSamples: number, z = 1.96): ShareVerdict | undefined {
    if (n <= 0) return undefined;
    const share = hits / n;
    if (n >= minSamples) return { verdict: Stats.above(share, max) ? 'fail' : 'pass', share, n, bound: 'share' };
    const { low, high } = Stats.wilson(hits, n, z) as { low: number; high: number };
    if (Stats.above(low, max)) return { verdict: 'fail', share, n, bound: 'lower' };
    if (!Stats.above(high, max)) return { verdict: 'pass', share, n, bound: 'upper' };
    return { verdict: 'insufficient', share, n, bound: 'none' };
  },
};

/** What {@link Stats.shareAtLeast} and {@link Stats.shareAtMost} decide about a window. */
export interface ShareVerdict {
  /** `fail`: a finding; `pass`: clear; `insufficient`: too few samples to tell (report it, never count it as passing). */
  readonly verdict: 'pass' | 'fail' | 'insufficient';
  /** The observed share, `hits / n`. */
  readonly share: number;
  /** The number of samples judged. */
  readonly n: number;
  /** What decided: the share itself (enough samples), a Wilson bound (`upper` or `lower`), or nothing (`none`: insufficient). */
  readonly bound: 'share' | 'upper' | 'lower' | 'none';
}
