import { Module, type DynamicModule } from '@nestjs/common';
import { AlertingModule } from '@kanshi/alerting';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { EvidenceModule } from '@kanshi/evidence';
import { PersistenceModule, postgresHealthCheck } from '@kanshi/persistence';
import { redisHealthCheck } from '@kanshi/queue';
import { OpsServerModule, TracingModule } from '@kanshi/runtime';
import { DataSource } from 'typeorm';

/** Runs the BullMQ workers of the alert queues, and the evidence ledger's sealer; serves metrics and probes. */
@Module({})
export class AlertWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AlertWorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        TracingModule.forApp('alert-worker'),
        PersistenceModule.forRoot('kanshi-alert-worker'),
        AlertingModule.forWorker(),
        EvidenceModule.forWorker(config),
        // No HTTP API: metrics (the queues' depths among them) and probes on a port of their own.
        OpsServerModule.forRoot({
          port: config.values.workerHttpPort,
          host: config.values.bindHost,
          checks: {
            inject: [DataSource, AppConfig],
            useFactory: (dataSource: DataSource, c: AppConfig) => [postgresHealthCheck(dataSource), redisHealthCheck(c.values.redisUrl)],
          },
        }),
      ],
    };
  }
}
