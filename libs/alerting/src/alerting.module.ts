import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '@kanshi/auth';
import { AlertQueue } from './alert-queue.service';
import { AlertsController } from './http/alerts.controller';
import { ClearAlertJobHandler } from './jobs/clear-alert.job';
import { RaiseAlertJobHandler } from './jobs/raise-alert.job';
import { QueueWorkerHost } from './queue-worker.host';

/** The alert queues: the producer side for the engine, the workers for the alert worker. */
@Module({})
export class AlertingModule {
  /** For apps that raise alerts (the policy engine). */
  static forProducer(): DynamicModule {
    return { module: AlertingModule, providers: [AlertQueue], exports: [AlertQueue] };
  }

  /** For the API: the alert endpoints. */
  static forApi(): DynamicModule {
    return { module: AlertingModule, imports: [AuthModule], controllers: [AlertsController] };
  }

  /** For the alert worker: every job handler and the BullMQ workers that run them. */
  static forWorker(): DynamicModule {
    return {
      module: AlertingModule,
      imports: [DiscoveryModule],
      providers: [RaiseAlertJobHandler, ClearAlertJobHandler, QueueWorkerHost],
    };
  }
}
