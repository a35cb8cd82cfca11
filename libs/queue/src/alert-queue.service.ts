import { Injectable } from '@nestjs/common';
import { clearAlertJobId, JOBS, raiseAlertSetJobId, raiseSets, type ClearAlertJob, type RaiseAlertJob, type RaiseAlertSetJob } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { FairShare } from './fair-share';
import { JobQueue, type QueuedJob } from './job-queue';

/**
 * The `alerts` queue as the policy engine (and the worker, for quota alerts) fills it: raises in
 * sets per tenant, clears, and sets held back by a quota, each with its deterministic id and a
 * fair share of the queue per tenant.
 */
@Injectable()
export class AlertQueue {
  /** Which jobs go behind other tenants' (see {@link FairShare}). */
  private readonly fairShare: FairShare;

  constructor(
    private readonly queue: JobQueue,
    config: AppConfig,
  ) {
    this.fairShare = new FairShare(config.values.alertJobsFairSharePerMinute);
  }

  /**
   * Enqueues the raises, in sets per tenant (`alert.raise-set`, at most `RAISE_SET_MAX_ALERTS`
   * each: one database transaction in the worker), and the clears; resolves once the queue has
   * them all. A tenant's jobs past its fair share of the minute go behind the other tenants' (a
   * priority that grows with the shares it used; a set counts each alert it carries). Critical
   * raises have a share of their own.
   */
  async enqueue(jobs: readonly RaiseAlertJob[], clears: readonly ClearAlertJob[] = []): Promise<void> {
    if (jobs.length === 0 && clears.length === 0) return;
    const priority = (lane: string, units = 1) => {
      const p = this.fairShare.take(lane, units);
      return p === undefined ? {} : { priority: p };
    };
    await this.queue.add([
      ...planRaiseSets(jobs).map(({ set, lane, jobId }): QueuedJob => ({ name: JOBS.raiseAlerts, data: set, id: jobId, ...priority(lane, set.raises.length) })),
      ...clears.map((data): QueuedJob => ({ name: JOBS.clearAlert, data, id: clearAlertJobId(data), ...priority(data.tenant_id) })),
    ]);
  }

  /**
   * Queues raises a quota held back, as one set that waits until `until` (its id names the
   * minute, so a worker that retries after a crash holds them once).
   */
  async hold(tenantId: string, raises: readonly RaiseAlertJob[], until: number, now = Date.now()): Promise<void> {
    if (raises.length === 0) return;
    const data: RaiseAlertSetJob = { tenant_id: tenantId, raises };
    await this.queue.add([{ name: JOBS.raiseAlerts, data, id: `held-${Math.floor(until / 60_000)}-${raiseAlertSetJobId(raises)}`, delayMs: until - now }]);
  }
}

function isCritical(job: RaiseAlertJob): boolean {
  return job.findings.some((f) => f.severity === 'critical');
}

/**
 * The `alert.raise-set` jobs one enqueue of raises becomes: sets per tenant, critical raises in
 * sets of their own counted in a fair-share lane of their own (a tenant's storm of lesser
 * findings never puts its critical ones behind it), each with its deterministic job id. Pure.
 */
export function planRaiseSets(raises: readonly RaiseAlertJob[]): { set: RaiseAlertSetJob; lane: string; jobId: string }[] {
  const critical = raises.filter(isCritical);
  return [
    ...raiseSets(critical).map((set) => ({ set, lane: `${set.tenant_id}\u0000critical` })),
    ...raiseSets(raises.filter((r) => !isCritical(r))).map((set) => ({ set, lane: set.tenant_id })),
  ].map((planned) => ({ ...planned, jobId: raiseAlertSetJobId(planned.set.raises) }));
}
