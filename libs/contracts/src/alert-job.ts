import { createHash } from 'node:crypto';
import type { Sector } from './sectors';
import type { Severity } from './severity';

/**
 * One rule firing: on one event, at a window's close or on a timer. `finding_id` is stable
 * across redeliveries and replays of the same events.
 */
export interface FindingRecord {
  readonly finding_id: string;
  /** The event behind the finding; for a window or timer finding, the name of its occurrence. */
  readonly event_id: string;
  /** Event time of the evidence, ISO 8601. */
  readonly occurred_at: string;
  readonly severity: Severity;
  readonly observed: unknown;
  /** Ids of the events that show the finding (added in 0.2; older jobs lack it). */
  readonly evidence_event_ids?: readonly string[];
}

/**
 * Payload of the `alert.raise` job: the findings of one batch that share a fingerprint.
 * Persisted in Redis while queued: add fields, never rename or remove them.
 */
export interface RaiseAlertJob {
  readonly fingerprint: string;
  readonly tenant_id: string;
  readonly model_id: string;
  readonly rule_id: string;
  readonly module_id: string;
  readonly sector: Sector;
  /** What the alert is about inside the model (`model`, a feature name, a segment …). */
  readonly scope: string;
  readonly title: string;
  readonly source: string;
  /** The rule arguments in force when the findings were made. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Regulatory deadline, ISO 8601, for clock rules. */
  readonly due_at: string | null;
  readonly findings: readonly FindingRecord[];
  /** W3C trace context of the engine's span for a traced event behind the findings (added in 0.2): the worker continues that trace. */
  readonly traceparent?: string;
}

/** Most alerts one `alert.raise-set` job carries: a set is one database transaction in the worker. */
export const RAISE_SET_MAX_ALERTS = 256;

/**
 * Payload of the `alert.raise-set` job: raises of one tenant (at most
 * {@link RAISE_SET_MAX_ALERTS}), persisted together in one transaction with set-based
 * statements. The engine sends its findings this way; a fingerprint may appear more than once.
 * Persisted in Redis while queued: add fields, never rename or remove them.
 */
export interface RaiseAlertSetJob {
  readonly tenant_id: string;
  readonly raises: readonly RaiseAlertJob[];
}

/**
 * Payload of the `alert.clear` job: a rule that declares recovery judged its condition clear
 * for a fingerprint. The open alert of the fingerprint (if any) starts counting how long it has
 * stayed clear, and resolves by itself once that reaches `clear_for_ms`.
 * Persisted in Redis while queued: add fields, never rename or remove them.
 */
export interface ClearAlertJob {
  readonly fingerprint: string;
  readonly tenant_id: string;
  readonly model_id: string;
  readonly rule_id: string;
  readonly scope: string;
  /** When the rule judged the condition clear (event time), ISO 8601. */
  readonly cleared_at: string;
  /** How long the condition must stay clear before the alert resolves (the rule's recovery). */
  readonly clear_for_ms: number;
}

/** Deterministic BullMQ job id of a clear: the same judgement enqueued twice is one job. */
export function clearAlertJobId(job: Pick<ClearAlertJob, 'fingerprint' | 'cleared_at'>): string {
  return `clear-${sha256(`${job.fingerprint}\n${job.cleared_at}`).slice(0, 48)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Alert identity: tenant + model + rule + scope. Persisted as the alert's unique key. */
export function alertFingerprint(tenantId: string, modelId: string, ruleId: string, scope: string): string {
  // JSON keeps the parts apart whatever characters a scope holds.
  return sha256(JSON.stringify([tenantId, modelId, ruleId, scope]));
}

/**
 * Stable id of one rule firing, from the alert and the occurrence (an event id, a window start,
 * a timer), so a redelivered event or a replayed window is recognised.
 */
export function findingId(fingerprint: string, occurrence: string): string {
  return sha256(JSON.stringify([fingerprint, occurrence])).slice(0, 40);
}

/**
 * Deterministic BullMQ job id for a set of findings (BullMQ ids must not contain `:` nor be
 * integers): the same findings enqueued twice are one job.
 */
export function raiseAlertJobId(job: Pick<RaiseAlertJob, 'fingerprint' | 'findings'>): string {
  const ids = job.findings.map((f) => f.finding_id).sort();
  return `raise-${sha256([job.fingerprint, ...ids].join('\n')).slice(0, 48)}`;
}

/**
 * Deterministic BullMQ job id of a set of raises: the same raises enqueued twice (a batch the
 * engine retried) are one job, whatever their order.
 */
export function raiseAlertSetJobId(raises: readonly Pick<RaiseAlertJob, 'fingerprint' | 'findings'>[]): string {
  const ids = raises.map(raiseAlertJobId).sort();
  return `raises-${sha256(ids.join('\n')).slice(0, 48)}`;
}

/**
 * Groups raises into sets per tenant of at most {@link RAISE_SET_MAX_ALERTS}, keeping their
 * order (a tenant's sets in the order of its first raise).
 */
export function raiseSets(raises: readonly RaiseAlertJob[], max = RAISE_SET_MAX_ALERTS): RaiseAlertSetJob[] {
  const byTenant = new Map<string, RaiseAlertJob[]>();
  for (const raise of raises) {
    const list = byTenant.get(raise.tenant_id);
    if (list) list.push(raise);
    else byTenant.set(raise.tenant_id, [raise]);
  }
  const sets: RaiseAlertSetJob[] = [];
  for (const [tenantId, list] of byTenant) {
    for (let i = 0; i < list.length; i += max) sets.push({ tenant_id: tenantId, raises: list.slice(i, i + max) });
  }
  return sets;
}
