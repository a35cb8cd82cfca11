/**
 * The plug-in surface of Kanshi: everything a sector module needs (rules, windows, payload
 * readers, the conformance kit) and the rule runtime the engine and the kit share. Nothing here
 * does I/O: Kafka, the database and the inventory stay in the engine.
 * @packageDocumentation
 */
export { Type } from '@sinclair/typebox';
export type { Static, TObject } from '@sinclair/typebox';
export type { EventType, Sector, Severity, TelemetryEvent } from '@kanshi/contracts';
export { checkSectorModule, createTestSectorEnvironment, type TestEvent, type TestSectorEnvironment, type TestSectorEnvironmentOptions } from './conformance';
export { Bounded, STATE_LIMIT_SCOPE, type BoundedMapLimit, type BoundedSetResult } from './bounded';
export { Evidence } from './evidence';
export { DAY_MS, durationMs, HOUR_MS, type Duration } from './duration';
export { Arg, Field, type ReportClockField } from './payload-fields';
export { modelProfile, type ApprovedVersion, type ChangePlan, type ModelProfile } from './model-profile';
export {
  defineRule,
  type RecoverySpec,
  type RuleClear,
  type RuleContext,
  type RuleDefinition,
  type RuleFinding,
  type RuleInsufficient,
  type RuleOutcome,
  type RuleResult,
  type RuleScope,
  type RuleTimers,
  type TimerContext,
  type WindowSpec,
  judgesModelsOutsideInventory,
  windowSpecOf,
} from './rule';
export {
  checkRuleResult,
  defaultArgsOf,
  emptyOutput,
  MAX_EVIDENCE,
  MAX_OBSERVED_BYTES,
  MAX_STATE_BYTES,
  RuleRuntime,
  runtimeRules,
  type ArgsResolver,
  type RuleCheckpointChanges,
  type RuleRuntimeOptions,
  type RuleStateKey,
  type RuleStateRecord,
  type SerializedRuleState,
  type RuntimeClear,
  type RuntimeFailure,
  type RuntimeInsufficient,
  type RuntimeFinding,
  type RuntimeOutput,
  type RuntimeRule,
} from './rule-runtime';
export { SectorModule, getSectorModuleOptions, type SectorModuleOptions } from './sector-module.decorator';
export { CountWindow, QuantileSketch, Stats, type CountBucket, type CountWindowState, type ShareVerdict } from './windows';
export { Calendar, Windows, type JudgedWindow, type WindowedState, type WindowPlan } from './judged-windows';
export { POLICY_SDK_VERSION } from './version';
