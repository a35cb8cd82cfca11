/**
 * The plug-in surface of Kanshi: everything a sector module needs, and nothing of the engine.
 * @packageDocumentation
 */
export { Type } from '@sinclair/typebox';
export type { Static, TObject } from '@sinclair/typebox';
export type { EventType, Sector, Severity, TelemetryEvent } from '@kanshi/contracts';
export type { ModelProfile } from './model-profile';
export { defineRule, type RuleContext, type RuleDefinition, type RuleResult } from './rule';
export { SectorModule, getSectorModuleOptions, type SectorModuleOptions } from './sector-module.decorator';
export { POLICY_SDK_VERSION } from './version';
