import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { QUEUES, type JobName } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { BullJobQueue } from './bull-job-queue';
import { JOB_HANDLER_METADATA, type JobHandlerOf } from './job-handler.decorator';
import { QueueMetrics } from './queue-metrics';
import { checkHandlers, startQueueWorkers, type QueueWorkers } from './queue-workers';

/**
 * Finds every `@JobHandler` of the app, checks that each job name of each queue has exactly one
 * (the app refuses to start otherwise), and runs one BullMQ worker per queue, timing each
 * handler's run; the queues' depths are read from its producer connection at each scrape.
 * Shutdown waits for in-flight jobs.
 */
@Injectable()
export class QueueWorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWorkerHost.name);
  private workers: QueueWorkers | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly metrics: QueueMetrics,
    private readonly jobs: BullJobQueue,
  ) {}

  /** Maps each job name to its one handler; throws naming every missing or doubled one. */
  resolveHandlers(): Map<JobName, JobHandlerOf<JobName>> {
    const found = new Map<string, JobHandlerOf<JobName>[]>();
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || !wrapper.instance) continue;
      const name = this.reflector.get<JobName | undefined>(JOB_HANDLER_METADATA, wrapper.metatype);
      if (name) found.set(name, [...(found.get(name) ?? []), wrapper.instance as JobHandlerOf<JobName>]);
    }
    return checkHandlers(found);
  }

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.resolveHandlers();
    const { redisUrl, queuePrefix, workerConcurrency, alertJobConcurrency } = this.config.values;
    this.workers = await startQueueWorkers(handlers, {
      redisUrl,
      prefix: queuePrefix,
      // Bundles are long and heavy: one at a time per worker, beside the alert jobs.
      concurrency: (queue) => (queue === QUEUES.alerts ? alertJobConcurrency : queue === QUEUES.evidence ? 1 : workerConcurrency),
      logger: this.logger,
      metrics: this.metrics,
    });
    this.metrics.watchDepths(this.jobs, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.workers?.close();
  }
}
