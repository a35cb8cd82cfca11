import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertingApiModule } from '@kanshi/alerting-api';
import { redisHealthCheck } from '@kanshi/queue';
import { AccessModule, RateLimitModule } from '@kanshi/auth';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { DashboardModule } from '@kanshi/dashboard';
import { EvidenceModule } from '@kanshi/evidence';
import { InventoryModule } from '@kanshi/inventory';
import { PersistenceModule, postgresHealthCheck } from '@kanshi/persistence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { HealthModule } from '@kanshi/runtime';

/** The risk-officer and admin API. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot('kanshi-api'),
        RateLimitModule.forApp('api'),
        AccessModule,
        AlertingApiModule,
        EvidenceModule.forApi(config),
        InventoryModule.forApi(sectorModulesFromConfig(config)),
        // The web page at / (its files under /assets); the API stays under /v1.
        DashboardModule,
        HealthModule.forRoot({
          inject: [DataSource, AppConfig],
          useFactory: (dataSource: DataSource, c: AppConfig) => [postgresHealthCheck(dataSource), redisHealthCheck(c.values.redisUrl)],
        }),
      ],
    };
  }
}
