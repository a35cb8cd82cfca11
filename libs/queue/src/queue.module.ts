import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '@kanshi/config';
import { AlertQueue } from './alert-queue.service';
import { BullJobQueue } from './bull-job-queue';
import { JobQueue } from './job-queue';
import { QueueMetrics, QueueMetricsModule } from './queue-metrics';
import { QueueWorkerHost } from './queue-worker.host';

/**
 * The process's one connection for queuing jobs, on the configured Redis and prefix, counting
 * what it queues; {@link JobQueue} for the code that queues, the BullMQ driver itself for the
 * worker host (which reads the queues' depths through it).
 */
const JOB_QUEUE: Provider[] = [
  {
    provide: BullJobQueue,
    inject: [AppConfig, QueueMetrics],
    useFactory: (config: AppConfig, metrics: QueueMetrics) => new BullJobQueue(config.values.redisUrl, config.values.queuePrefix, undefined, metrics),
  },
  { provide: JobQueue, useExisting: BullJobQueue },
];

/**
 * The queues: where jobs are put ({@link JobQueue}, with the `alerts` queue's producer
 * {@link AlertQueue}) and, for the worker, where they are run.
 */
@Module({})
export class QueueModule {
  /** For apps that queue jobs (the engine, the API). */
  static forProducer(): DynamicModule {
    return { module: QueueModule, imports: [QueueMetricsModule], providers: [...JOB_QUEUE, AlertQueue], exports: [JobQueue, AlertQueue] };
  }

  /** For the alert worker: the producer side, and the BullMQ workers that run every `@JobHandler` of the app. */
  static forWorker(): DynamicModule {
    return {
      module: QueueModule,
      imports: [DiscoveryModule, QueueMetricsModule],
      providers: [...JOB_QUEUE, AlertQueue, QueueWorkerHost],
      exports: [JobQueue, AlertQueue],
    };
  }
}
