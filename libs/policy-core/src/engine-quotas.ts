import { dayOf, minuteOf, QUOTA_VARIABLES, TENANT_QUOTAS, type QuotaBreach } from '@kanshi/alerting';

/** The engine's quotas per tenant, as configured. */
export interface EngineQuotaLimits {
  /** Events evaluated per minute (`KANSHI_QUOTA_EVENTS_PER_MINUTE`). */
  readonly eventsPerMinute: number;
  /** New models outside the inventory per UTC day (`KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY`). */
  readonly unregisteredModelsPerDay: number;
}

/**
 * The per-tenant quotas one engine instance enforces on the partitions it holds, so that one
 * tenant's flood cannot take the instance from the others: a token bucket of events per
 * minute (a burst of a minute's worth, refilled evenly), and the new models outside the
 * inventory a tenant may bring per UTC day. Only authenticated tenants are counted, so every
 * map here is bounded by the tenants that exist (and the unregistered models by the quota).
 * Pure apart from the clock it is given.
 */
export class EngineQuotas {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly unregistered = new Map<string, { day: number; models: Set<string> }>();
  /** The window of each tenant's quota whose breach was reported, so a breach is reported once per window. */
  private readonly reported = new Map<string, number>();

  constructor(
    readonly limits: EngineQuotaLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether the tenant has no event left right now (no token taken; a cheap early refusal). */
  exhausted(tenantId: string): boolean {
    const bucket = this.buckets.get(tenantId);
    return bucket !== undefined && this.refill(bucket, this.clock()) < 1;
  }

  /** Takes one event of the tenant's quota; false when it has none left. */
  takeEvent(tenantId: string): boolean {
    const now = this.clock();
    let bucket = this.buckets.get(tenantId);
    if (!bucket) {
      bucket = { tokens: this.limits.eventsPerMinute, at: now };
      this.buckets.set(tenantId, bucket);
    }
    if (this.refill(bucket, now) < 1) return false;
    bucket.tokens -= 1;
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

  private refill(bucket: { tokens: number; at: number }, now: number): number {
    const perMs = this.limits.eventsPerMinute / 60_000;
    bucket.tokens = Math.min(this.limits.eventsPerMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket.tokens;
  }
}
