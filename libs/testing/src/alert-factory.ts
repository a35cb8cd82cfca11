import { randomUUID } from 'node:crypto';
import { alertFingerprint, findingId, type FindingRecord, type RaiseAlertJob, type Severity } from '@kanshi/contracts';

/** A finding of a G1-like rule on a fresh event, for the alert with `fingerprint`. */
export function findingRecord(fingerprint: string, severity: Severity = 'high', at: Date = new Date()): FindingRecord {
  const eventId = randomUUID();
  return { finding_id: findingId(fingerprint, eventId), event_id: eventId, occurred_at: at.toISOString(), severity, observed: { event_id: eventId } };
}

/** The fingerprint {@link raiseAlertJob} uses for a tenant and model. */
export function g1Fingerprint(tenantId: string, modelId: string): string {
  return alertFingerprint(tenantId, modelId, 'G1', 'model');
}

/** An `alert.raise` job for rule G1 on a model, carrying the given findings. */
export function raiseAlertJob(tenantId: string, modelId: string, findings: readonly FindingRecord[]): RaiseAlertJob {
  return {
    fingerprint: g1Fingerprint(tenantId, modelId),
    tenant_id: tenantId,
    model_id: modelId,
    rule_id: 'G1',
    module_id: 'general',
    sector: 'general',
    scope: 'model',
    title: 'Model has no inventory entry',
    source: 'test',
    args: {},
    due_at: null,
    findings,
  };
}
