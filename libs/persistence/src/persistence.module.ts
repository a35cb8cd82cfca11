import { Global, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '@kanshi/config';
import { SecretsModule } from '@kanshi/secrets';
import { createDataSource } from './data-source';
import { AlertRepository } from './repositories/alert.repository';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditLogRepository } from './repositories/audit-log.repository';
import { IngestKeyRepository } from './repositories/ingest-key.repository';
import { ModelRepository } from './repositories/model.repository';
import { PolicyOverrideRepository } from './repositories/policy-override.repository';
import { RuleStateRepository } from './repositories/rule-state.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { AlertingSettingsRepository } from './repositories/alerting-settings.repository';
import { NotificationRepository } from './repositories/notification.repository';
import { EvidenceRepository } from './repositories/evidence.repository';
import { EvidenceReportRepository } from './repositories/evidence-report.repository';
import { EvidenceBundleRepository } from './repositories/evidence-bundle.repository';
import { ChannelRepository } from './repositories/channel.repository';
import { RouteRepository } from './repositories/route.repository';
import { SilenceRepository } from './repositories/silence.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { Transactions } from './repositories/transactions';
import { AlertWrites } from './alert-writes';

const REPOSITORIES = [
  AlertRepository,
  AlertingSettingsRepository,
  ApiKeyRepository,
  AuditLogRepository,
  ChannelRepository,
  EvidenceBundleRepository,
  EvidenceRepository,
  EvidenceReportRepository,
  IngestKeyRepository,
  ModelRepository,
  NotificationRepository,
  OutboxRepository,
  PolicyOverrideRepository,
  RouteRepository,
  RuleStateRepository,
  SilenceRepository,
  TenantRepository,
  Transactions,
  // The alert flows: a transaction each, over the repositories' row methods.
  AlertWrites,
];

/** The PostgreSQL connection and the repositories over it. The schema must be migrated already. */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  static forRoot(applicationName: string): DynamicModule {
    return {
      module: PersistenceModule,
      // Channel secrets are sealed at rest; the repositories seal and open them.
      imports: [SecretsModule],
      providers: [
        {
          provide: DataSource,
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            const dataSource = createDataSource(config.values.databaseUrl, applicationName);
            await dataSource.initialize();
            const pending = await dataSource.showMigrations();
            if (pending) {
              await dataSource.destroy();
              throw new Error('The database schema is behind this release: run `npm run infra:up` (it runs the migrations).');
            }
            return dataSource;
          },
        },
        ...REPOSITORIES,
      ],
      exports: [DataSource, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource.isInitialized) {
      await dataSource.destroy().catch((error: unknown) => new Logger(PersistenceModule.name).warn(String(error)));
    }
  }
}
