import { Module, type DynamicModule } from '@nestjs/common';
import { AlertingModule } from '@kanshi/alerting';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { EvidenceModule } from '@kanshi/evidence';
import { PersistenceModule } from '@kanshi/persistence';

/** Runs the BullMQ workers of the alert queues, and the evidence ledger's sealer. */
@Module({})
export class AlertWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AlertWorkerModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot('kanshi-alert-worker'), AlertingModule.forWorker(), EvidenceModule.forWorker(config)],
    };
  }
}
