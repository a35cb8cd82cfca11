import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, QUEUES, raiseAlertJobId, type RaiseAlertJob } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { createRedisConnection } from './redis-connection';

/**
 * How long finished jobs stay in Redis. While a job is kept, adding the same job id again is a
 * no-op; after that the database's unique keys still make a replay harmless.
 */
export const RAISE_ALERT_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/** Producer side of the `alerts` queue, used by the policy engine. */
@Injectable()
export class AlertQueue implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(config: AppConfig) {
    this.connection = createRedisConnection(config.values.redisUrl, 'producer', 'kanshi-alert-queue');
    this.queue = new Queue(QUEUES.alerts, { connection: this.connection, prefix: config.values.queuePrefix });
  }

  /** Enqueues the jobs with deterministic ids; resolves once Redis has them all. */
  async enqueue(jobs: readonly RaiseAlertJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((data) => ({ name: JOBS.raiseAlert, data, opts: { ...RAISE_ALERT_JOB_OPTIONS, jobId: raiseAlertJobId(data) } })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
