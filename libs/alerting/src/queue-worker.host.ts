import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_JOBS, QUEUES, type JobName, type QueueName } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { cappedBackoff } from './alert-queue.service';
import { JOB_HANDLER_METADATA, type JobHandlerOf } from './job-handler.decorator';
import { HoldJobUntil } from './quotas/quota-counter';
import { assertNoEviction, createRedisConnection, logRedisOutages } from './redis-connection';

/** A worker cannot start: a job with no handler or two, or Redis set up to lose jobs. */
export class JobHandlerError extends Error {
  override readonly name = 'JobHandlerError';
}

/**
 * Finds every `@JobHandler`, checks that each job name of each queue has exactly one, and runs
 * one BullMQ worker per queue that has jobs. Shutdown waits for in-flight jobs.
 */
@Injectable()
export class QueueWorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWorkerHost.name);
  private readonly workers: Worker[] = [];
  private connection: Redis | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  /** Maps each job name to its one handler; throws naming every missing or doubled one. */
  resolveHandlers(): Map<JobName, JobHandlerOf<JobName>> {
    const found = new Map<JobName, JobHandlerOf<JobName>[]>();
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || !wrapper.instance) continue;
      const name = this.reflector.get<JobName | undefined>(JOB_HANDLER_METADATA, wrapper.metatype);
      if (name) found.set(name, [...(found.get(name) ?? []), wrapper.instance as JobHandlerOf<JobName>]);
    }
    const known = new Set(Object.values(QUEUE_JOBS).flat());
    const problems: string[] = [];
    for (const name of known) {
      const count = found.get(name)?.length ?? 0;
      if (count !== 1) problems.push(`job "${name}" has ${count} handlers; it needs exactly one`);
    }
    for (const name of found.keys()) {
      if (!known.has(name)) problems.push(`a handler is declared for "${name}", which no queue carries`);
    }
    if (problems.length > 0) throw new JobHandlerError(`Job handlers are wrong:\n  - ${problems.join('\n  - ')}`);
    return new Map([...found].map(([name, handlers]) => [name, handlers[0] as JobHandlerOf<JobName>]));
  }

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.resolveHandlers();
    const { redisUrl, queuePrefix, workerConcurrency, alertJobConcurrency } = this.config.values;
    this.connection = createRedisConnection(redisUrl, 'worker', 'kanshi-alert-worker');
    await assertNoEviction(this.connection);
    const [, appendOnly] = (await this.connection.config('GET', 'appendonly')) as string[];
    if (appendOnly !== 'yes') {
      this.logger.warn('Redis runs without appendonly: queued alert jobs would be lost if Redis restarted. Set `appendonly yes`.');
    }
    for (const [queue, jobNames] of Object.entries(QUEUE_JOBS) as [QueueName, readonly JobName[]][]) {
      if (jobNames.length === 0) continue;
      const concurrency = queue === QUEUES.alerts ? alertJobConcurrency : workerConcurrency;
      const worker = new Worker(queue, (job: Job, token?: string) => processJob(handlers, job, token, this.logger), {
        connection: this.connection,
        prefix: queuePrefix,
        concurrency,
        // A job whose worker died is run again; only one that stalls this often (it keeps
        // killing its worker) fails, and the failure is logged with the job.
        maxStalledCount: 20,
        settings: { backoffStrategy: cappedBackoff },
      });
      worker.on('failed', (job, error) =>
        this.logger.warn(`job ${job?.id ?? '?'} (${job?.name ?? '?'}) failed on attempt ${job?.attemptsMade ?? '?'}: ${error.message}`),
      );
      worker.on('stalled', (jobId) => this.logger.warn(`job ${jobId} stalled; it will be processed again`));
      this.workers.push(worker);
      this.logger.log(`processing queue "${queue}" (${jobNames.join(', ')}) with concurrency ${concurrency}`);
    }
    // Through a Redis outage every worker reports each reconnect attempt: one log for them all.
    logRedisOutages(this.connection, this.workers, this.logger, 'Redis (workers)');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    this.connection?.disconnect();
  }
}

/**
 * Runs one job with its handler. A handler that holds the job back ({@link HoldJobUntil}: a
 * tenant quota) sends it back to the queue, delayed, without spending an attempt; one whose data
 * the database can never store fails for good; anything else is retried by the queue.
 */
export async function processJob(handlers: ReadonlyMap<JobName, JobHandlerOf<JobName>>, job: Job, token: string | undefined, logger: Logger): Promise<void> {
  const handler = handlers.get(job.name as JobName);
  if (!handler) throw new Error(`no handler for job "${job.name}"`);
  try {
    await handler.handle(job.data as never, { jobId: job.id ?? '', attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 });
  } catch (error) {
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
