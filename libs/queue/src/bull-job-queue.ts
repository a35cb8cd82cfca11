import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type QueueName } from '@kanshi/contracts';
import { bullOptions } from './job-options';
import { JobQueue, queueOf, type QueuedJob } from './job-queue';
import type { DepthState, JobCounts, QueueMetrics } from './queue-metrics';
import { createRedisConnection, logRedisOutages } from './redis-connection';

/**
 * The BullMQ driver of {@link JobQueue}: one Redis connection for the three queues of a process.
 * Through a Redis outage `add` fails after a few reconnect attempts (the caller retries: the
 * engine its batch, the outbox relay its entries) and the errors are logged sparingly; the
 * connection comes back by itself. It also answers the worker's depth gauge ({@link JobCounts}):
 * its connection fails fast, so a scrape during an outage does not hang.
 */
export class BullJobQueue extends JobQueue implements JobCounts, OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  /** `metrics`: where the jobs queued are counted (the apps'; tests and tools go without). */
  constructor(
    redisUrl: string,
    prefix: string,
    connectionName = 'kanshi-queues',
    private readonly metrics?: QueueMetrics,
  ) {
    super();
    this.connection = createRedisConnection(redisUrl, 'producer', connectionName);
    this.queues = new Map(Object.values(QUEUES).map((name) => [name, new Queue(name, { connection: this.connection, prefix })]));
    logRedisOutages(this.connection, [...this.queues.values()], new Logger(JobQueue.name), 'Redis (queues)');
  }

  async add(jobs: readonly QueuedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const byQueue = new Map<QueueName, QueuedJob[]>();
    for (const job of jobs) {
      const queue = queueOf(job.name);
      const list = byQueue.get(queue);
      if (list) list.push(job);
      else byQueue.set(queue, [job]);
    }
    await Promise.all(
      [...byQueue].map(async ([queue, list]) => {
        await (this.queues.get(queue) as Queue).addBulk(list.map((j) => ({ name: j.name, data: j.data, opts: bullOptions(j.name, j.id, j.delayMs, j.priority, j.retry) })));
        // Per queue: when another queue's addBulk fails, these jobs are stored all the same.
        this.metrics?.enqueued(list);
      }),
    );
  }

  async jobCounts(queue: QueueName, states: readonly DepthState[]): Promise<Partial<Record<DepthState, number>>> {
    return (this.queues.get(queue) as Queue).getJobCounts(...states);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
