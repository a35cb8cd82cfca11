import { durationMs, type Duration } from './duration';
import type { RuleTimers, WindowSpec } from './rule';
import { CountWindow, type CountWindowState } from './windows';

/**
 * How a windowed rule counts and when it judges, usually built from the rule's arguments (so a
 * tenant's override of the window or the lateness takes effect on the next event).
 * Durations are written as in arguments: `'1h'`, `'7d'`.
 */
export interface WindowPlan {
  /** Width of one bucket: one judgement per bucket, when it closes. */
  readonly bucket: string;
  /**
   * Span judged at each close, ending with the closed bucket. The default, the bucket itself,
   * is a tumbling window; a longer span is a sliding window judged once per bucket (`'30d'`
   * judged daily with `bucket: '1d'`).
   */
  readonly span?: string;
  /** How long after a bucket ends its events still count; its judgement waits this long. */
  readonly lateness: string;
  /** History kept behind the span, for baselines and "n windows running" checks. */
  readonly history?: string;
  /**
   * Most distinct tally names per bucket, for rules that name tallies after telemetry (a
   * feature, a subgroup); see {@link CountWindowState.maxNames}. Omit when the names are fixed.
   */
  readonly maxNames?: number;
}

/**
 * Rule state holding one judged window. Put it in the rule's state (`{ window: null, … }`);
 * {@link Windows} makes the window on first use from the plan in force.
 */
export interface WindowedState {
  /** The counts; `null` until the first event. */
  window: CountWindowState | null;
}

/** What a close timer judges. */
export interface JudgedWindow {
  /** The counts, for reading further buckets (baselines, runs). */
  readonly window: CountWindowState;
  /** Start of the judged span (epoch ms): the bucket's start for a tumbling window. */
  readonly start: number;
  /** End of the judged span and of the closed bucket (exclusive). */
  readonly end: number;
  /** Start of the closed bucket. */
  readonly bucketStart: number;
  /** Sums over the judged span. */
  readonly totals: Readonly<Record<string, number>>;
  /** The key the bucket was counted under (a feature, a segment), if any. */
  readonly key: string | undefined;
  /** The closed bucket's start as an ISO string: a stable `occurrence` for the finding. */
  readonly occurrence: string;
  /** Calls refused in the judged span because a bucket was at the plan's `maxNames`. */
  readonly refused: number;
}

const CLOSE = 'close@';

/** Whether the window holds a bucket starting at `start`; newest buckets first, where events land. */
function hasBucket(window: CountWindowState, start: number): boolean {
  for (let i = window.buckets.length - 1; i >= 0; i--) {
    const bucketStart = (window.buckets[i] as { start: number }).start;
    if (bucketStart === start) return true;
    if (bucketStart < start) return false;
  }
  return false;
}

function retainMsOf(plan: WindowPlan): number {
  const bucketMs = durationMs(plan.bucket);
  const spanMs = Math.max(bucketMs, plan.span === undefined ? 0 : durationMs(plan.span));
  return spanMs + bucketMs + durationMs(plan.lateness) + (plan.history === undefined ? 0 : durationMs(plan.history));
}

/**
 * Tumbling and sliding windows in event time, judged once per bucket by a timer at the bucket's
 * end plus the lateness bound: the plumbing every windowed rule needs, in one place.
 *
 * - Counting: {@link Windows.count} adds tallies to the bucket of the event's time and arms one
 *   timer per bucket (so the next bucket's traffic never moves a timer still waiting for late
 *   events). An event older than the lateness bound, or for a bucket already judged, is
 *   refused and counted in `window.late`.
 * - Judging: in `onTimer`, {@link Windows.judge} answers the closed bucket's span and totals and
 *   marks it judged. Replays give the same `occurrence`, so a redelivered event never makes a
 *   second alert.
 * - Names from telemetry: a plan with `maxNames` caps the distinct tally names per bucket;
 *   ask {@link CountWindow.hasRoom} first to report the cap ({@link Bounded.limitFinding}).
 * - Arguments: the plan is rebuilt from the arguments on every call. A changed bucket width
 *   starts fresh counts (tallies of another width cannot be compared) but keeps what was judged
 *   judged; a changed span or history keeps the counts; a changed lateness applies from the
 *   next bucket (a bucket's timer is armed by its first event).
 *
 * @example Share of explained decisions per window; a window under `minSamples` decisions is decided only by a conclusive sample
 * ```ts
 * const plan = (a: { window: string; lateness: string }) => ({ bucket: a.window, lateness: a.lateness });
 *
 * export const coverage = defineRule({
 *   id: 'X3',
 *   title: 'Decisions without an explanation',
 *   rationale: 'Every decision must be explainable to the customer.',
 *   source: 'Internal model policy §9',
 *   defaultSeverity: 'high',
 *   reads: ['prediction'],
 *   args: Type.Object({ minShare: Type.Number({ default: 0.99 }), ...Arg.shareWindow({ window: '1h', lateness: '15m', minSamples: 20 }, 'decisions') }),
 *   window: Windows.spec('tumbling'),
 *   initialState: (): WindowedState => ({ window: null }),
 *   evaluate: ({ event, time, state, args, timers }) => {
 *     const explained = Array.isArray(event.payload['reason_codes']) ? 1 : 0;
 *     Windows.count(state, plan(args), time, timers, { decisions: 1, explained });
 *     return undefined;
 *   },
 *   onTimer: ({ timer, state, args }) => {
 *     const judged = Windows.judge(state, plan(args), timer.name);
 *     if (!judged) return undefined;
 *     const { decisions = 0, explained = 0 } = judged.totals;
 *     const verdict = Stats.shareAtLeast(explained, decisions, args.minShare, args.minSamples);
 *     if (!verdict) return undefined; // no decisions: nothing to judge
 *     const observed = { share: verdict.share, decisions, ...Evidence.sample(verdict, args.minSamples), ...Evidence.window(judged) };
 *     if (verdict.verdict === 'insufficient') return { kind: 'insufficient', observed }; // too few to tell: never a pass
 *     return verdict.verdict === 'fail' ? { observed, occurrence: judged.occurrence } : { kind: 'clear' };
 *   },
 * });
 * ```
 */
export const Windows = {
  /** The window of `holder` for `plan`, made (or remade after an argument change) as needed. */
  of(holder: WindowedState, plan: WindowPlan): CountWindowState {
    const bucketMs = durationMs(plan.bucket);
    const retainMs = retainMsOf(plan);
    const old = holder.window;
    if (old && old.bucketMs === bucketMs && old.retainMs === retainMs) {
      if (old.maxNames !== plan.maxNames) {
        if (plan.maxNames === undefined) delete old.maxNames;
        else old.maxNames = plan.maxNames;
      }
      return old;
    }
    const fresh = CountWindow.create(`${bucketMs}ms`, `${retainMs}ms`, plan.maxNames);
    if (old) {
      // What was judged stays judged, so a changed width never judges a time twice.
      fresh.closedUntil = old.closedUntil;
      if (old.bucketMs === bucketMs) Object.assign(fresh, { buckets: old.buckets, watermark: old.watermark, late: old.late });
    }
    holder.window = fresh;
    return fresh;
  },

  /**
   * Adds `tallies` at `time` and arms the bucket's close timer; `false` when the event is too
   * late to count. `key` keeps separate timers for several windows of one rule (one per feature).
   */
  count(holder: WindowedState, plan: WindowPlan, time: number, timers: RuleTimers, tallies: Readonly<Record<string, number>>, key?: string): boolean {
    return Windows.record(holder, plan, time, timers, (window) => CountWindow.add(window, time, tallies), key);
  },

  /**
   * Like {@link Windows.count} with your own recording (`CountWindow.max`, several calls):
   * `record` answers `false` when the event was too late.
   */
  record(holder: WindowedState, plan: WindowPlan, time: number, timers: RuleTimers, record: (window: CountWindowState) => boolean, key?: string): boolean {
    const window = Windows.of(holder, plan);
    const start = CountWindow.bucketStart(window, time);
    // The first event of a bucket arms its timer; the others find it armed (this is the hot path).
    const armed = hasBucket(window, start);
    if (!record(window)) return false;
    if (!armed) timers.set(Windows.closeTimer(start, key), start + window.bucketMs + durationMs(plan.lateness));
    return true;
  },

  /**
   * The {@link WindowSpec} of a rule sized by the `window`, `lateness` and (if any) `minSamples`
   * arguments of {@link Arg.window}, for the rule's `window` field.
   *
   * @example
   * ```ts
   * window: Windows.spec('tumbling'),
   * ```
   */
  spec(kind: 'tumbling' | 'sliding') {
    return (a: { readonly window: string; readonly lateness: string; readonly minSamples?: number }): WindowSpec => ({
      kind,
      size: a.window as Duration,
      lateness: a.lateness as Duration,
      ...(a.minSamples === undefined ? {} : { minSamples: a.minSamples }),
    });
  },

  /** Name of the timer that judges the bucket starting at `start` (and `key`). */
  closeTimer(start: number, key?: string): string {
    const name = `${CLOSE}${new Date(start).toISOString()}`;
    return key === undefined ? name : `${name}/${key}`;
  },

  /** The bucket start and key a close timer names; `undefined` for any other timer. */
  closing(timerName: string): { bucketStart: number; key: string | undefined } | undefined {
    if (!timerName.startsWith(CLOSE)) return undefined;
    const rest = timerName.slice(CLOSE.length);
    const slash = rest.indexOf('/');
    const bucketStart = Date.parse(slash < 0 ? rest : rest.slice(0, slash));
    if (Number.isNaN(bucketStart)) return undefined;
    return { bucketStart, key: slash < 0 ? undefined : rest.slice(slash + 1) };
  },

  /**
   * On a close timer: the span ending with the closed bucket and its totals, after which that
   * time counts as judged. `undefined` for another timer or when nothing was counted.
   */
  judge(holder: WindowedState, plan: WindowPlan, timerName: string): JudgedWindow | undefined {
    const closing = Windows.closing(timerName);
    if (!closing || holder.window === null) return undefined;
    const window = Windows.of(holder, plan);
    const end = closing.bucketStart + window.bucketMs;
    const spanMs = plan.span === undefined ? window.bucketMs : Math.max(window.bucketMs, durationMs(plan.span));
    const start = end - spanMs;
    const totals = CountWindow.sum(window, start, end);
    CountWindow.close(window, end);
    return {
      window,
      start,
      end,
      bucketStart: closing.bucketStart,
      totals,
      key: closing.key,
      occurrence: new Date(closing.bucketStart).toISOString(),
      refused: CountWindow.refused(window, start, end),
    };
  },
};

/**
 * Calendar periods, for rules judged per month rather than per fixed duration (an SLO per
 * calendar month, a quarterly review), in the calendar of a given UTC offset (540 for JST).
 *
 * @example
 * ```ts
 * const { start, end } = Calendar.month(time, 540); // the JST month holding `time`
 * ```
 */
export const Calendar = {
  /** Start and end (epoch ms, end exclusive) of the calendar month holding `time`. */
  month(time: number, utcOffsetMinutes = 0): { start: number; end: number } {
    const offset = utcOffsetMinutes * 60_000;
    const local = new Date(time + offset);
    const year = local.getUTCFullYear();
    const month = local.getUTCMonth();
    return { start: Date.UTC(year, month, 1) - offset, end: Date.UTC(year, month + 1, 1) - offset };
  },

  /** Start and end of the calendar quarter (Jan–Mar, Apr–Jun, …) holding `time`. */
  quarter(time: number, utcOffsetMinutes = 0): { start: number; end: number } {
    const offset = utcOffsetMinutes * 60_000;
    const local = new Date(time + offset);
    const first = Math.floor(local.getUTCMonth() / 3) * 3;
    return { start: Date.UTC(local.getUTCFullYear(), first, 1) - offset, end: Date.UTC(local.getUTCFullYear(), first + 3, 1) - offset };
  },
};
