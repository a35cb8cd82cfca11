import type { Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_JOBS, type JobName, type QueueName } from '@kanshi/contracts';
import { logEntry } from '@kanshi/runtime';
import { cappedBackoff } from './job-options';
import type { JobHandlerOf } from './job-handler.decorator';
import { HoldJobUntil } from './hold-job-until';
import type { QueueMetrics } from './queue-metrics';
import { assertNoEviction, createRedisConnection, logRedisOutages } from './redis-connection';

/** A worker cannot start: a job with no handler or two, or Redis set up to lose jobs. */
export class JobHandlerError extends Error {
  override readonly name = 'JobHandlerError';
}

/**
 * Checks the handlers found for each job name: every job of every queue has exactly one, and
 * none is declared for a job no queue carries. Throws naming every problem at once. Pure.
 */
export function checkHandlers(found: ReadonlyMap<string, readonly JobHandlerOf<JobName>[]>): Map<JobName, JobHandlerOf<JobName>> {
  const known = new Set<string>(Object.values(QUEUE_JOBS).flat());
  const problems: string[] = [];
  for (const name of known) {
    const count = found.get(name)?.length ?? 0;
    if (count !== 1) problems.push(`job "${name}" has ${count} handlers; it needs exactly one`);
  }
  for (const name of found.keys()) {
    if (!known.has(name)) problems.push(`a handler is declared for "${name}", which no queue carries`);
  }
  if (problems.length > 0) throw new JobHandlerError(`Job handlers are wrong:\n  - ${problems.join('\n  - ')}`);
  return new Map([...found].map(([name, handlers]) => [name as JobName, handlers[0] as JobHandlerOf<JobName>]));
}

export interface QueueWorkersOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** Jobs run at once, per queue. */
  readonly concurrency: (queue: QueueName) => number;
  readonly logger: Logger;
  /** The queues to work; every queue with jobs by default. */
  readonly queues?: readonly QueueName[];
  /** Where each handler's run is timed, with its outcome (the app's; tests go without). */
  readonly metrics?: QueueMetrics;
}

/** BullMQ workers running; `close` waits for the jobs in flight. */
export interface QueueWorkers {
  close(): Promise<void>;
}

/**
 * Runs one BullMQ worker per queue (of those asked for) on one connection, after checking that
 * Redis keeps jobs (`noeviction`; a warning without `appendonly`).
 */
export async function startQueueWorkers(handlers: ReadonlyMap<JobName, JobHandlerOf<JobName>>, options: QueueWorkersOptions): Promise<QueueWorkers> {
  const { logger } = options;
  const connection: Redis = createRedisConnection(options.redisUrl, 'worker', 'kanshi-alert-worker');
  const workers: Worker[] = [];
  try {
    await assertNoEviction(connection);
    const [, appendOnly] = (await connection.config('GET', 'appendonly')) as string[];
    if (appendOnly !== 'yes') {
      logger.warn('Redis runs without appendonly: queued alert jobs would be lost if Redis restarted. Set `appendonly yes`.');
    }
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  const wanted = options.queues ?? (Object.keys(QUEUE_JOBS) as QueueName[]);
  for (const queue of wanted) {
    const jobNames = QUEUE_JOBS[queue];
    if (jobNames.length === 0) continue;
    const concurrency = options.concurrency(queue);
    const worker = new Worker(queue, (job: Job, token?: string) => processJob(handlers, job, token, logger, options.metrics), {
      connection,
      prefix: options.prefix,
      concurrency,
      // A job whose worker died is run again; only one that stalls this often (it keeps
      // killing its worker) fails, and the failure is logged with the job.
      maxStalledCount: 20,
      settings: { backoffStrategy: cappedBackoff },
    });
    worker.on('failed', (job, error) =>
      logger.warn(logEntry(`job ${job?.id ?? '?'} (${job?.name ?? '?'}) failed on attempt ${job?.attemptsMade ?? '?'}: ${error.message}`, { job: job?.id, tenant: tenantOf(job) })),
    );
    worker.on('stalled', (jobId) => logger.warn(logEntry(`job ${jobId} stalled; it will be processed again`, { job: jobId })));
    workers.push(worker);
    logger.log(`processing queue "${queue}" (${jobNames.join(', ')}) with concurrency ${concurrency}`);
  }
  // Through a Redis outage every worker reports each reconnect attempt: one log for them all.
  logRedisOutages(connection, workers, logger, 'Redis (workers)');
  return {
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
    },
  };
}

/** The tenant a job is about, when its data names one (every alert and notification job does). */
function tenantOf(job: Job | undefined): string | undefined {
  const tenant = (job?.data as { tenant_id?: unknown } | undefined)?.tenant_id;
  return typeof tenant === 'string' ? tenant : undefined;
}

/**
 * Runs one job with its handler. A handler that holds the job back ({@link HoldJobUntil}: a
 * tenant quota) sends it back to the queue, delayed, without spending an attempt; one whose data
 * the database can never store fails for good; anything else is retried by the queue. The
 * handler's run is timed into `metrics` (not the move back to the queue).
 */
export async function processJob(
  handlers: ReadonlyMap<JobName, JobHandlerOf<JobName>>,
  job: Job,
  token: string | undefined,
  logger: Logger,
  metrics?: QueueMetrics,
): Promise<void> {
  const handler = handlers.get(job.name as JobName);
  if (!handler) throw new Error(`no handler for job "${job.name}"`);
  const ran = metrics?.startJob(job.name as JobName);
  try {
    await handler.handle(job.data as never, { jobId: job.id ?? '', attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 });
    ran?.('completed');
  } catch (error) {
    ran?.(error instanceof HoldJobUntil ? 'held' : 'failed');
    if (error instanceof HoldJobUntil) {
      await job.moveToDelayed(error.until, token);
      throw new DelayedError(error.message);
    }
    // PostgreSQL class 22 (data exception): this payload can never be stored; retrying it
    // forever would only hide it. Everything else (outages, deadlocks) is retried.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) {
      logger.error(`job ${job.id ?? '?'} (${job.name}) holds data the database rejects, giving up: ${(error as Error).message}`);
      throw new UnrecoverableError((error as Error).message);
    }
    throw error;
  }
}
