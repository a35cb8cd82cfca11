/** BullMQ's lowest priority (the largest number it takes). */
const LOWEST_PRIORITY = 2_097_152;

/** Tenants counted at once before the counts of past minutes are dropped. */
const MAX_COUNTED = 10_000;

/**
 * Fair queueing of alert jobs between tenants, per process: a tenant's first `share` jobs of a
 * minute go to the queue as usual; each further one gets a BullMQ priority that grows with the
 * shares it has used this minute (1 past one share, 2 past two, ...). BullMQ takes jobs without
 * a priority first, then the lowest numbers: a tenant a little over its share waits behind
 * nobody's ordinary jobs but ahead of a tenant fifty times over. So one tenant's incident storm
 * or flood delays its own alerts, not the others'. Nothing is refused or held: the jobs only
 * wait their turn. Pure apart from the clock.
 */
export class FairShare {
  private readonly counts = new Map<string, { minute: number; jobs: number }>();

  constructor(
    readonly share: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Counts `units` jobs of the tenant (a set of raises counts each alert it carries):
   * `undefined` while it is within its share of this minute, else the job's priority.
   */
  take(tenantId: string, units = 1): number | undefined {
    const minute = Math.floor(this.clock() / 60_000);
    let count = this.counts.get(tenantId);
    if (!count || count.minute !== minute) {
      if (!count && this.counts.size >= MAX_COUNTED) this.forgetBefore(minute);
      count = { minute, jobs: 0 };
      this.counts.set(tenantId, count);
    }
    count.jobs += units;
    return count.jobs <= this.share ? undefined : Math.min(LOWEST_PRIORITY, Math.floor((count.jobs - 1) / this.share));
  }

  private forgetBefore(minute: number): void {
    for (const [tenantId, count] of this.counts) if (count.minute < minute) this.counts.delete(tenantId);
    // Still full (more tenants in one minute than that): start the minute over rather than grow.
    if (this.counts.size >= MAX_COUNTED) this.counts.clear();
  }
}
