import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { ModelRepository, PersistenceModule, RuleStateRepository } from '@kanshi/persistence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { MODEL_INVENTORY_SOURCE, PolicyCoreModule, RULE_STATE_STORE, SectorModuleRegistry } from '@kanshi/policy-core';

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
        PersistenceModule.forRoot('kanshi-policy-engine'),
        PolicyCoreModule.forRoot({
          sectorModules,
          inject: [AppConfig],
          useFactory: (c: AppConfig) => ({
            inventoryRefreshMs: c.values.inventoryRefreshMs,
            maxEventBytes: c.values.maxEventBytes,
            consumerGroup: c.values.engineGroupId,
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
