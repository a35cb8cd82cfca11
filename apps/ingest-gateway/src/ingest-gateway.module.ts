import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { RateLimitModule } from '@kanshi/auth';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { IngestModule } from '@kanshi/ingest';
import { KAFKA_CLIENT, kafkaHealthCheck } from '@kanshi/messaging';
import { PersistenceModule, postgresHealthCheck } from '@kanshi/persistence';
import { HealthModule } from '@kanshi/runtime';

/** HTTP intake of telemetry. */
@Module({})
export class IngestGatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: IngestGatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot('kanshi-ingest-gateway'),
        RateLimitModule.forApp('ingest-gateway'),
        IngestModule,
        HealthModule.forRoot(
          {
            inject: [DataSource, KAFKA_CLIENT],
            useFactory: (dataSource: DataSource, kafka: Kafka) => [postgresHealthCheck(dataSource), kafkaHealthCheck(kafka)],
          },
          [IngestModule],
        ),
      ],
    };
  }
}
