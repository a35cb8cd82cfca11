import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { KAFKA_CLIENT, kafkaHealthCheck } from '@kanshi/messaging';
import { ModelRepository, PersistenceModule, postgresHealthCheck, RuleStateRepository } from '@kanshi/persistence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { redisHealthCheck } from '@kanshi/queue';
import { OpsServerModule, TracingModule } from '@kanshi/runtime';
import { SecretBox } from '@kanshi/secrets';
import {
  consumerHealthCheck,
  ConsumerProgress,
  ingestSecretsOf,
  MODEL_INVENTORY_SOURCE,
  PartitionClocks,
  PolicyCoreModule,
  RULE_STATE_STORE,
  SectorModuleRegistry,
} from '@kanshi/policy-core';

/** Consumes telemetry, evaluates the sector rules and raises alerts; serves metrics and probes. */
@Module({})
export class PolicyEngineModule {
  static forRoot(config: AppConfig): DynamicModule {
    const sectorModules = sectorModulesFromConfig(config);
    // Refuse an unloadable or incompatible module before anything connects.
    SectorModuleRegistry.load(sectorModules);
    const core = PolicyCoreModule.forRoot({
      sectorModules,
      inject: [AppConfig],
      useFactory: (c: AppConfig) => ({
        inventoryRefreshMs: c.values.inventoryRefreshMs,
        maxEventBytes: c.values.maxEventBytes,
        consumerGroup: c.values.engineGroupId,
        ingestSecrets: ingestSecretsOf(SecretBox.fromConfig(c)),
        quotas: { eventsPerMinute: c.values.eventsPerMinuteQuota, unregisteredModelsPerDay: c.values.unregisteredModelsPerDayQuota },
        ruleStateIdleAfterMs: c.values.ruleStateIdleDays * 86_400_000,
        ruleStateMaxBytes: c.values.ruleStateMaxBytes,
      }),
      inventorySource: { provide: MODEL_INVENTORY_SOURCE, useExisting: ModelRepository },
      ruleStateStore: { provide: RULE_STATE_STORE, useExisting: RuleStateRepository },
    });
    return {
      module: PolicyEngineModule,
      imports: [
        ConfigModule.forRoot(config),
        TracingModule.forApp('policy-engine'),
        PersistenceModule.forRoot('kanshi-policy-engine'),
        core,
        // The engine has no HTTP API: metrics and probes on a port of their own.
        OpsServerModule.forRoot({
          port: config.values.engineHttpPort,
          host: config.values.bindHost,
          imports: [core],
          checks: {
            inject: [DataSource, AppConfig, KAFKA_CLIENT, ConsumerProgress, PartitionClocks],
            // Ready: its servers answer, it is a member of its group, and no partition it holds is stuck.
            useFactory: (dataSource: DataSource, c: AppConfig, kafka: Kafka, progress: ConsumerProgress, clocks: PartitionClocks) => [
              postgresHealthCheck(dataSource),
              redisHealthCheck(c.values.redisUrl),
              kafkaHealthCheck(kafka),
              consumerHealthCheck(progress, clocks),
            ],
          },
        }),
      ],
    };
  }
}
