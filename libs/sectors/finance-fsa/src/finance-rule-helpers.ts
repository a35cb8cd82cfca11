import { Evidence, Field, type ModelProfile, type TelemetryEvent } from '@kanshi/policy-sdk';

/** Source citations shared by the finance rules. */
export const FSA_MRM = 'FSA Principles for Model Risk Management (Nov 2021)';
export const FSA_AI_PAPER = 'FSA AI Discussion Paper (Mar 2025)';

/** An epoch-ms time as the ISO string findings show. */
export const iso = Evidence.time;

/** Case- and space-insensitive form used to compare names (metrics, decisions, scopes). */
export function norm(value: string): string {
  return value.trim().toLowerCase();
}

/** A finding scope `<prefix>:<value>`, cut to the 200 characters a scope may have. */
export function scopeOf(prefix: string, value: string): string {
  return `${prefix}:${value}`.slice(0, 200);
}

/** The risk tier: the inventory's, else the one the last deployment reported (kept by the rule). */
export function riskTier(model: ModelProfile | undefined, reported: string | null): string | null {
  return model?.riskTier ?? reported;
}

/** The `risk_tier` a `model_deployment` event reports, if any. */
export function reportedTier(event: TelemetryEvent): string | undefined {
  return event.event_type === 'model_deployment' ? Field.text(event.payload, 'risk_tier') : undefined;
}

