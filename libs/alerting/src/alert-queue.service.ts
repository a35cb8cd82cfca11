import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { clearAlertJobId, JOBS, QUEUES, raiseAlertSetJobId, raiseSets, type ClearAlertJob, type RaiseAlertJob, type RaiseAlertSetJob } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { FairShare } from './quotas/fair-share';
import { createRedisConnection, logRedisOutages } from './redis-connection';

/** Backoff type of alert jobs: exponential from one second, capped at one minute. */
export const CAPPED_BACKOFF = 'kanshi-capped';

/** Delay before the next attempt of a job that failed `attemptsMade` times. */
export function cappedBackoff(attemptsMade: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

/**
 * Alert jobs retry until the database takes them: their Kafka offsets are already committed,
 * so giving up would lose the alert. Only data the database can never store fails for good
 * (see the worker). While a finished job is kept, adding the same job id again is a no-op;
 * after that the database's unique keys still make a replay harmless.
 */
export const RAISE_ALERT_JOB_OPTIONS: JobsOptions = {
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: CAPPED_BACKOFF },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/**
 * Producer side of the `alerts` queue, used by the policy engine. Through a Redis outage
 * `enqueue` fails after a few reconnect attempts (the engine retries the batch) and the
 * connection's errors are logged sparingly; the connection comes back by itself.
 */
@Injectable()
export class AlertQueue implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queue: Queue;

  /** Which jobs go behind other tenants' (see {@link FairShare}). */
  private readonly fairShare: FairShare;

  constructor(config: AppConfig) {
    this.fairShare = new FairShare(config.values.alertJobsFairSharePerMinute);
    this.connection = createRedisConnection(config.values.redisUrl, 'producer', 'kanshi-alert-queue');
    this.queue = new Queue(QUEUES.alerts, { connection: this.connection, prefix: config.values.queuePrefix });
    logRedisOutages(this.connection, [this.queue], new Logger(AlertQueue.name), 'Redis (alert queue)');
  }

  /**
   * Enqueues the raises, in sets per tenant (`alert.raise-set`, at most `RAISE_SET_MAX_ALERTS`
   * each: one database transaction in the worker), and the clears, with deterministic ids;
   * resolves once Redis has them all. A tenant's jobs past its fair share of the minute go
   * behind the other tenants' (a BullMQ priority that grows with the shares it used; a set
   * counts each alert it carries). Critical raises have a share of their own.
   */
  async enqueue(jobs: readonly RaiseAlertJob[], clears: readonly ClearAlertJob[] = []): Promise<void> {
    if (jobs.length === 0 && clears.length === 0) return;
    const opts = (jobId: string, lane: string, units = 1) => {
      const priority = this.fairShare.take(lane, units);
      return { ...RAISE_ALERT_JOB_OPTIONS, jobId, ...(priority === undefined ? {} : { priority }) };
    };
    await this.queue.addBulk([
      ...planRaiseSets(jobs).map(({ set, lane, jobId }) => ({ name: JOBS.raiseAlerts, data: set, opts: opts(jobId, lane, set.raises.length) })),
      // Clears go through the same retry policy: a lost clear would leave an alert open for ever.
      ...clears.map((data) => ({ name: JOBS.clearAlert, data, opts: opts(clearAlertJobId(data), data.tenant_id) })),
    ]);
  }

  /**
   * Queues raises a quota held back, as one set that waits until `until` (its id names the
   * minute, so a worker that retries after a crash holds them once).
   */
  async hold(tenantId: string, raises: readonly RaiseAlertJob[], until: number, now = Date.now()): Promise<void> {
    if (raises.length === 0) return;
    const data: RaiseAlertSetJob = { tenant_id: tenantId, raises };
    const jobId = `held-${Math.floor(until / 60_000)}-${raiseAlertSetJobId(raises)}`;
    await this.queue.add(JOBS.raiseAlerts, data, { ...RAISE_ALERT_JOB_OPTIONS, jobId, delay: Math.max(0, until - now) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
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
