import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedisConnection, RAISE_ALERT_JOB_OPTIONS } from '@kanshi/alerting';
import { AppConfig } from '@kanshi/config';
import { JOBS, QUEUES, raiseAlertJobId, type RaiseAlertJob } from '@kanshi/contracts';

/**
 * The `alerts` queue as a team would use it from a message handler: one awaited `add` per
 * finding, with Kanshi's job options and deterministic ids so the comparison is about batching,
 * not about doing less.
 */
@Injectable()
export class NaiveAlertQueue implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(config: AppConfig) {
    this.connection = createRedisConnection(config.values.redisUrl, 'producer', 'kanshi-bench-naive-handler');
    this.queue = new Queue(QUEUES.alerts, { connection: this.connection, prefix: config.values.queuePrefix });
  }

  async add(job: RaiseAlertJob): Promise<void> {
    await this.queue.add(JOBS.raiseAlert, job, { ...RAISE_ALERT_JOB_OPTIONS, jobId: raiseAlertJobId(job) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
