import { Module, type DynamicModule } from '@nestjs/common';
import { AlertingModule } from '@kanshi/alerting';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { PersistenceModule } from '@kanshi/persistence';

/** Runs the BullMQ workers of the alert queues. */
@Module({})
export class AlertWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AlertWorkerModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot('kanshi-alert-worker'), AlertingModule.forWorker()],
    };
  }
}
