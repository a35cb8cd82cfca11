import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@kanshi/config';
import { ModelRepository, PersistenceModule } from '@kanshi/persistence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { ingestSecretsOf, InventoryCache, PolicyEvaluator, SectorModuleRegistry } from '@kanshi/policy-core';
import { SecretBox } from '@kanshi/secrets';
import { NaiveAlertQueue } from './naive-alert.queue';
import { NaiveTelemetryController } from './naive-telemetry.controller';

/**
 * The baseline app of the `naive-handler` benchmark scenario (never imported by product code):
 * the engine's registry, evaluator and inventory cache, wired to a plain per-message handler.
 */
@Module({})
export class NaiveHandlerModule {
  static forRoot(config: AppConfig): DynamicModule {
    const sectorModules = sectorModulesFromConfig(config);
    return {
      module: NaiveHandlerModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot('kanshi-bench-naive-handler')],
      controllers: [NaiveTelemetryController],
      providers: [
        { provide: SectorModuleRegistry, useValue: SectorModuleRegistry.load(sectorModules) },
        {
          // Built here rather than through PolicyCoreModule, which would bring the engine's batch consumer along.
          provide: InventoryCache,
          inject: [ModelRepository, AppConfig],
          useFactory: (source: ModelRepository, c: AppConfig) =>
            new InventoryCache(source, {
              sectorModules,
              inventoryRefreshMs: c.values.inventoryRefreshMs,
              maxEventBytes: c.values.maxEventBytes,
              consumerGroup: 'kanshi-bench-naive-handler',
              ingestSecrets: ingestSecretsOf(SecretBox.fromConfig(c)),
              quotas: { eventsPerMinute: c.values.eventsPerMinuteQuota, unregisteredModelsPerDay: c.values.unregisteredModelsPerDayQuota },
            }),
        },
        {
          provide: PolicyEvaluator,
          inject: [SectorModuleRegistry, InventoryCache],
          useFactory: (registry: SectorModuleRegistry, inventory: InventoryCache) => new PolicyEvaluator(registry, inventory.argsFor),
        },
        NaiveAlertQueue,
      ],
    };
  }
}
