import { dayOf, minuteOf, QUOTA_VARIABLES, TENANT_QUOTAS, type QuotaBreach } from '@kanshi/contracts';

/** The engine's quotas per tenant, as configured. */
export interface EngineQuotaLimits {
  /** Events evaluated per minute (`KANSHI_QUOTA_EVENTS_PER_MINUTE`). */
  readonly eventsPerMinute: number;
  /** New models outside the inventory per UTC day (`KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY`). */
  readonly unregisteredModelsPerDay: number;
}

/** The engine counts a tenant's events in windows of this many ms of their arrival in Kafka. */
export const QUOTA_WINDOW_MS = 10_000;
/** Windows per minute: a window admits a sixth of the minute's quota (rounded up). */
const WINDOWS_PER_MINUTE = 60_000 / QUOTA_WINDOW_MS;
/**
 * How many windows back an arrival time is counted as it is (an hour): older records, a backlog
 * of more than an hour, count in the oldest of them. Bounds each tenant's counts to a few KB.
 */
export const QUOTA_HORIZON_WINDOWS = 360;

/**
 * One tenant's counts of admitted events per window of arrival time, in a ring over the last
 * {@link QUOTA_HORIZON_WINDOWS} windows.
 */
class ArrivalCounts {
  private readonly windows = new Float64Array(QUOTA_HORIZON_WINDOWS).fill(-1);
  private readonly counts = new Int32Array(QUOTA_HORIZON_WINDOWS);

  /** Events admitted in `window`. */
  in(window: number): number {
    const slot = window % QUOTA_HORIZON_WINDOWS;
    return this.windows[slot] === window ? (this.counts[slot] ?? 0) : 0;
  }

  /** Events admitted in the minute that ends with `window`. */
  inMinuteTo(window: number): number {
    let sum = 0;
    for (let w = window - WINDOWS_PER_MINUTE + 1; w <= window; w += 1) sum += this.in(w);
    return sum;
  }

  add(window: number): void {
    const slot = window % QUOTA_HORIZON_WINDOWS;
    // A slot holds an older window (the clamp in meteredWindow keeps newer ones out): it starts over.
    if (this.windows[slot] !== window) {
      this.windows[slot] = window;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }
}

/**
 * The per-tenant quotas one engine instance enforces on the partitions it holds, so that one
 * tenant's flood cannot take the instance from the others: events per minute, and the new
 * models outside the inventory a tenant may bring per UTC day.
 *
 * Events are metered by when they reached Kafka (the record's timestamp: the broker's append
 * time on Kanshi's telemetry topic), not by when the engine reads them. So a backlog read after
 * an outage or a failover counts at the pace it arrived and is not refused for being read fast,
 * while a flood is refused however far behind the engine is. A window of
 * {@link QUOTA_WINDOW_MS} admits a sixth of the minute's quota and any minute the quota: a
 * flood's burst is short. Arrival times are taken within the last hour up to now (a producer
 * stamping its own times on a topic without append times gains at most that hour once).
 *
 * Only authenticated tenants are counted, so every map here is bounded by the tenants that
 * exist (and the unregistered models by the quota). Pure apart from the clock it is given.
 */
export class EngineQuotas {
  private readonly arrivals = new Map<string, ArrivalCounts>();
  private readonly unregistered = new Map<string, { day: number; models: Set<string> }>();
  /** The window of each tenant's quota whose breach was reported, so a breach is reported once per window. */
  private readonly reported = new Map<string, number>();
  /** Events one window admits. */
  private readonly perWindow: number;

  constructor(
    readonly limits: EngineQuotaLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.perWindow = Math.ceil(limits.eventsPerMinute / WINDOWS_PER_MINUTE);
  }

  /**
   * Whether the tenant has no event left for a record that arrived at `arrivedAt` (epoch ms; the
   * clock when unknown). Nothing is counted: a cheap early refusal.
   */
  exhausted(tenantId: string, arrivedAt?: number): boolean {
    const counts = this.arrivals.get(tenantId);
    return counts !== undefined && !this.admits(counts, this.meteredWindow(arrivedAt));
  }

  /** Counts one event of the tenant that arrived at `arrivedAt`; false when its quota is spent. */
  takeEvent(tenantId: string, arrivedAt?: number): boolean {
    let counts = this.arrivals.get(tenantId);
    if (!counts) this.arrivals.set(tenantId, (counts = new ArrivalCounts()));
    const window = this.meteredWindow(arrivedAt);
    if (!this.admits(counts, window)) return false;
    counts.add(window);
    return true;
  }

  /**
   * Whether the tenant's new models outside the inventory are spent for today and `modelId` is
   * not one of them (nothing is counted; a cheap early refusal).
   */
  unregisteredSpent(tenantId: string, modelId: string): boolean {
    const seen = this.unregistered.get(tenantId);
    return seen !== undefined && seen.day === dayOf(this.clock()) && seen.models.size >= this.limits.unregisteredModelsPerDay && !seen.models.has(modelId);
  }

  /** Whether a model outside the inventory may be evaluated: one already seen today, or a new one within the quota. */
  admitsUnregistered(tenantId: string, modelId: string): boolean {
    const day = dayOf(this.clock());
    let seen = this.unregistered.get(tenantId);
    if (!seen || seen.day !== day) {
      seen = { day, models: new Set() };
      this.unregistered.set(tenantId, seen);
    }
    if (seen.models.has(modelId)) return true;
    if (seen.models.size >= this.limits.unregisteredModelsPerDay) return false;
    seen.models.add(modelId);
    return true;
  }

  /**
   * The breach to report for a refusal under `quota`, or `undefined` when this window's breach
   * of the tenant was reported already.
   */
  breach(tenantId: string, quota: typeof TENANT_QUOTAS.events | typeof TENANT_QUOTAS.unregisteredModels): QuotaBreach | undefined {
    const now = this.clock();
    const windowStart = quota === TENANT_QUOTAS.events ? minuteOf(now) : dayOf(now);
    const key = `${tenantId}\u0000${quota}`;
    if (this.reported.get(key) === windowStart) return undefined;
    this.reported.set(key, windowStart);
    const limit = quota === TENANT_QUOTAS.events ? this.limits.eventsPerMinute : this.limits.unregisteredModelsPerDay;
    return { tenantId, quota, limit, windowStart, variable: QUOTA_VARIABLES[quota], action: 'dead-lettered' };
  }

  private admits(counts: ArrivalCounts, window: number): boolean {
    return counts.in(window) < this.perWindow && counts.inMinuteTo(window) < this.limits.eventsPerMinute;
  }

  /** The window a record's arrival time counts in: within the last hour, never past now. */
  private meteredWindow(arrivedAt: number | undefined): number {
    const now = Math.floor(this.clock() / QUOTA_WINDOW_MS);
    if (arrivedAt === undefined || !Number.isFinite(arrivedAt)) return now;
    return Math.min(now, Math.max(now - QUOTA_HORIZON_WINDOWS + 1, Math.floor(arrivedAt / QUOTA_WINDOW_MS)));
  }
}
