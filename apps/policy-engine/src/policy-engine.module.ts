import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { ModelRepository, PersistenceModule, RuleStateRepository } from '@kanshi/persistence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { MetricsModule, OpsServerModule } from '@kanshi/runtime';
import { SecretBox } from '@kanshi/secrets';
import { ingestSecretsOf, MODEL_INVENTORY_SOURCE, PolicyCoreModule, RULE_STATE_STORE, SectorModuleRegistry } from '@kanshi/policy-core';

/** Consumes telemetry, evaluates the sector rules and raises alerts. */
@Module({})
export class PolicyEngineModule {
  static forRoot(config: AppConfig): DynamicModule {
    const sectorModules = sectorModulesFromConfig(config);
    // Refuse an unloadable or incompatible module before anything connects.
    SectorModuleRegistry.load(sectorModules);
    return {
      module: PolicyEngineModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        // The engine has no HTTP API: a small operations endpoint serves its metrics and liveness.
        OpsServerModule.forRoot(config.values.engineHttpPort, config.values.bindHost),
        PersistenceModule.forRoot('kanshi-policy-engine'),
        PolicyCoreModule.forRoot({
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
        }),
      ],
    };
  }
}
