import { Logger, Module, type DynamicModule, type Type } from '@nestjs/common';
import { QueueModule } from '@kanshi/queue';
import { MessagingModule } from '@kanshi/messaging';
import { MetricsModule } from '@kanshi/runtime';
import { InventoryCache } from './inventory-cache.service';
import { PolicyEvaluator } from './policy-evaluator';
import { POLICY_CORE_OPTIONS, type PolicyCoreModuleOptions, type PolicyCoreOptions } from './policy-core.options';
import { SectorModuleRegistry } from './sector-module-registry';
import { TelemetryBatchProcessor } from './telemetry-batch.processor';
import { RULE_STATE_STORE, RuleCheckpoints, type RuleStateStore } from './rule-checkpoints';
import { ConsumerProgress } from './consumer-progress';
import { PartitionClocks } from './partition-clocks';
import { RuleClock } from './rule-clock.service';
import { EngineMetrics } from './engine-metrics';
import { EngineQuotas } from './engine-quotas';
import { TelemetryConsumer } from './telemetry.consumer';

/**
 * The engine side of policies: module registry, inventory cache, the batch processor and the
 * Kafka consumer that feeds it.
 */
@Module({})
export class PolicyCoreModule {
  static forRoot(options: PolicyCoreModuleOptions): DynamicModule {
    return {
      module: PolicyCoreModule,
      imports: [
        ...(options.imports ?? []),
        // Sector modules are Nest modules too, so a plug-in can bring providers of its own.
        ...(options.sectorModules as Type<unknown>[]),
        MessagingModule.forRoot('policy-engine'),
        QueueModule.forProducer(),
        // The engine's metrics (EngineMetrics) register in the app's one registry.
        MetricsModule,
      ],
      controllers: [TelemetryConsumer],
      providers: [
        options.inventorySource,
        options.ruleStateStore,
        {
          provide: POLICY_CORE_OPTIONS,
          inject: [...(options.inject ?? [])],
          useFactory: (...deps: never[]): PolicyCoreOptions => ({
            ...options.useFactory(...deps),
            sectorModules: options.sectorModules,
          }),
        },
        {
          provide: SectorModuleRegistry,
          inject: [POLICY_CORE_OPTIONS],
          useFactory: (o: PolicyCoreOptions) => {
            const registry = SectorModuleRegistry.load(o.sectorModules);
            const loaded = registry.modules.map((m) => `${m.id} (${m.rules.length} rules)`).join(', ');
            new Logger('SectorModuleRegistry').log(`sector modules: ${loaded}`);
            return registry;
          },
        },
        InventoryCache,
        {
          provide: PolicyEvaluator,
          inject: [SectorModuleRegistry, InventoryCache, POLICY_CORE_OPTIONS],
          useFactory: (registry: SectorModuleRegistry, inventory: InventoryCache, o: PolicyCoreOptions) =>
            new PolicyEvaluator(registry, inventory.argsFor, {
              ...(o.ruleStateIdleAfterMs === undefined ? {} : { idleAfterMs: o.ruleStateIdleAfterMs }),
              ...(o.ruleStateMaxBytes === undefined ? {} : { maxStateBytes: o.ruleStateMaxBytes }),
            }),
        },
        { provide: EngineQuotas, inject: [POLICY_CORE_OPTIONS], useFactory: (o: PolicyCoreOptions) => new EngineQuotas(o.quotas) },
        {
          provide: TelemetryBatchProcessor,
          inject: [PolicyEvaluator, InventoryCache, POLICY_CORE_OPTIONS, EngineQuotas],
          useFactory: (evaluator: PolicyEvaluator, inventory: InventoryCache, o: PolicyCoreOptions, quotas: EngineQuotas) =>
            new TelemetryBatchProcessor(evaluator, inventory, o.maxEventBytes, inventory, quotas),
        },
        {
          provide: RuleCheckpoints,
          inject: [RULE_STATE_STORE, PolicyEvaluator, POLICY_CORE_OPTIONS],
          useFactory: (store: RuleStateStore, evaluator: PolicyEvaluator, o: PolicyCoreOptions) => new RuleCheckpoints(store, evaluator, o.consumerGroup),
        },
        { provide: PartitionClocks, useValue: new PartitionClocks() },
        { provide: ConsumerProgress, useValue: new ConsumerProgress() },
        EngineMetrics,
        RuleClock,
      ],
      exports: [SectorModuleRegistry, PolicyEvaluator, InventoryCache, TelemetryBatchProcessor, RuleClock, MessagingModule, EngineMetrics, ConsumerProgress, PartitionClocks],
    };
  }
}
