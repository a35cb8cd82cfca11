import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES, type QueueName } from '@kanshi/contracts';

/** States a job can be in, as BullMQ names them. */
export type JobState = 'waiting' | 'wait' | 'active' | 'delayed' | 'prioritized' | 'waiting-children' | 'completed' | 'failed';

/** What a queue tells about one job. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly data: unknown;
  /** When it was queued, epoch ms (the producer's clock). */
  readonly queuedAt: number;
  /** When a worker last took it, epoch ms (the worker's clock). */
  readonly processedOn: number | undefined;
  readonly finishedOn: number | undefined;
  readonly attemptsMade: number;
  readonly failedReason: string | undefined;
}

/**
 * Reads the queues of one prefix, for operations, tests and the bench: counts by state and the
 * jobs themselves. Never adds a job; `promote` is its one change, an operator's (and a test's)
 * way to make a delayed job due now instead of waiting for it.
 */
export class QueueInspector {
  private readonly connection: Redis;
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(redisUrl: string, prefix: string) {
    this.connection = new Redis(redisUrl, { connectionName: 'kanshi-queue-inspector', maxRetriesPerRequest: null });
    this.queues = new Map(Object.values(QUEUES).map((name) => [name, new Queue(name, { connection: this.connection, prefix })]));
  }

  /** How many jobs of the queue are in each state asked for. */
  counts(queue: QueueName, ...states: JobState[]): Promise<Record<string, number>> {
    return this.queue(queue).getJobCounts(...states);
  }

  /** The jobs of the queue in the states asked for, from `start` to `end` (inclusive; -1: the last). */
  async jobs(queue: QueueName, states: readonly JobState[], start = 0, end = -1, ascending = false): Promise<JobRecord[]> {
    return (await this.queue(queue).getJobs([...states], start, end, ascending)).filter((j): j is Job => j !== undefined).map(recordOf);
  }

  async job(queue: QueueName, id: string): Promise<JobRecord | undefined> {
    const job = (await this.queue(queue).getJob(id)) as Job | undefined;
    return job ? recordOf(job) : undefined;
  }

  /** The job's state, or `unknown` when the queue does not hold it. */
  state(queue: QueueName, id: string): Promise<string> {
    return this.queue(queue).getJobState(id);
  }

  /** Delay-queue score of a job, for tests of when BullMQ will run it: the due time, epoch ms. */
  async dueAt(queue: QueueName, id: string): Promise<number | undefined> {
    const score = await this.connection.zscore(`${this.queue(queue).qualifiedName}:delayed`, id);
    // BullMQ orders delayed jobs by (due time << 12) plus a counter.
    return score === null ? undefined : Math.floor(Number(score) / 0x1000);
  }

  /** Makes a delayed job due now (its handler runs as it would have at its time); false when the queue holds no such delayed job. */
  async promote(queue: QueueName, id: string): Promise<boolean> {
    const job = (await this.queue(queue).getJob(id)) as Job | undefined;
    if (!job || (await job.getState()) !== 'delayed') return false;
    await job.promote();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }

  private queue(name: QueueName): Queue {
    return this.queues.get(name) as Queue;
  }
}

function recordOf(job: Job): JobRecord {
  return {
    id: job.id ?? '',
    name: job.name,
    data: job.data as unknown,
    queuedAt: job.timestamp,
    processedOn: job.processedOn,
    finishedOn: job.finishedOn,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason || undefined,
  };
}
