import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertingModule, redisHealthCheck } from '@kanshi/alerting';
import { AppConfig, ConfigModule } from '@kanshi/config';
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
        AlertingModule.forApi(),
        InventoryModule.forApi(sectorModulesFromConfig(config)),
        HealthModule.forRoot({
          inject: [DataSource, AppConfig],
          useFactory: (dataSource: DataSource, c: AppConfig) => [postgresHealthCheck(dataSource), redisHealthCheck(c.values.redisUrl)],
        }),
      ],
    };
  }
}
