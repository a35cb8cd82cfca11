export { EngineMetrics } from './engine-metrics';
export { ConsumerProgress, STUCK_AFTER_MS } from './consumer-progress';
export { consumerHealthCheck } from './engine-readiness';
export { EngineQuotas, type EngineQuotaLimits } from './engine-quotas';
export { InventoryCache } from './inventory-cache.service';
export {
  MODEL_INVENTORY_SOURCE,
  StaticModelInventory,
  type InventorySnapshot,
  type ModelDeployment,
  type ModelInventory,
  type ModelInventorySource,
  type RuleVerdict,
} from './model-inventory';
export { FindingCollector, PolicyEvaluator, type RuleFailure } from './policy-evaluator';
export { PolicyCoreModule } from './policy-core.module';
export {
  applicableRules,
  checkOverrideArgs,
  effectiveRuleConfig,
  modelRulesInForce,
  OVERRIDE_SCOPES,
  RuleOverrideIndex,
  type EffectiveRuleConfig,
  type OverrideArgumentError,
  type OverrideScope,
  type RuleOverride,
  type SettingSource,
} from './rule-overrides';
export { RULE_STATE_STORE, RuleCheckpoints, type RuleStateChanges, type RuleStateStore } from './rule-checkpoints';
export { PartitionClocks } from './partition-clocks';
export { RULE_CLOCK_INTERVAL_MS, RuleClock } from './rule-clock.service';
export { ingestSecretsOf, type IngestSecrets, type PolicyCoreModuleOptions, type PolicyCoreOptions } from './policy-core.options';
export { authenticateRecord, StaticIngestKeyring, type AuthenticationResult, type IngestKeyEntry, type IngestKeyring } from './ingest-keyring';
export { loadSectorModulePlugins } from './sector-module-loader';
export { SectorModuleError, SectorModuleRegistry, type RegisteredRule } from './sector-module-registry';
export {
  TelemetryBatchProcessor,
  type BatchOutcome,
  type BatchPlacement,
  type DeadLetter,
  type EngineQuota,
  type Forward,
  type RepartitionMarks,
  type TelemetryRecord,
} from './telemetry-batch.processor';
export { TelemetryConsumer } from './telemetry.consumer';
