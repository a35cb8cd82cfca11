// Wire shapes of the API answers the dashboard reads (snake_case, as the API sends them).
// Declared here rather than imported from the libs: the browser code ships on its own and must
// not pull Node modules in. Only the fields the page uses are listed.
import type { AlertStatus, Severity } from './alerts-logic.js';

export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface AlertView {
  readonly id: string;
  readonly tenant_id: string;
  readonly status: AlertStatus;
  readonly severity: Severity;
  readonly rule_id: string;
  readonly module_id: string;
  readonly sector: string;
  readonly model_id: string;
  readonly scope: string;
  readonly title: string;
  readonly source: string;
  readonly fingerprint: string;
  readonly occurrence_count: number;
  readonly first_seen_at: string;
  readonly last_seen_at: string;
  readonly args: JsonObject;
  readonly observed: JsonObject;
  readonly evidence_event_ids: string[];
  readonly due_at: string | null;
  readonly assignee: string | null;
  readonly escalation_level: number;
  readonly acknowledged_at: string | null;
  readonly resolved_at: string | null;
  readonly clear_since: string | null;
  readonly silenced_by: string | null;
  readonly opened_at: string;
  readonly notified_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface HistoryEntry {
  readonly at: string;
  readonly action: string;
  readonly actor: string;
  readonly actor_name: string | null;
  readonly from_status: string | null;
  readonly to_status: string | null;
  readonly comment: string | null;
  readonly details: JsonObject | null;
}

export interface AlertDetail extends AlertView {
  readonly history: HistoryEntry[];
}

export interface OccurrencesView {
  readonly bucket: 'hour' | 'day';
  readonly items: readonly { readonly at: string; readonly count: number; readonly severity: string }[];
}

export interface NotificationView {
  readonly id: string;
  readonly kind: string;
  readonly level: number;
  readonly status: string;
  readonly channel: { readonly id: string; readonly name: string | null; readonly kind: string | null };
  readonly repeat: boolean;
  readonly attempts: readonly { readonly attempt: number; readonly at: string; readonly ok: boolean; readonly http_status: number | null; readonly error: string | null }[];
  readonly last_error: string | null;
  readonly created_at: string;
  readonly delivered_at: string | null;
  readonly failed_at: string | null;
}

export interface RuleView {
  readonly rule_id: string;
  readonly module_id: string;
  readonly sectors: string[] | string;
  readonly title: string;
  readonly source: string;
  readonly default_severity: Severity;
  readonly default_args: JsonObject;
  /** Not every API version sends it. */
  readonly rationale?: string;
}

export interface ModelView {
  readonly model_id: string;
  readonly name: string;
  readonly sectors: string[];
  readonly risk_tier: string | null;
  readonly owner: string | null;
  readonly intended_use: string | null;
  readonly deployed_version: string | null;
  readonly deployed_at: string | null;
  readonly status: 'active' | 'retired';
}

/** A rule whose last window had too few samples to judge (`GET /v1/posture`). */
export interface NotJudgedView {
  readonly rule_id: string;
  readonly title: string | null;
  readonly scope: string;
  readonly judged_at: string;
}

/** The part of a model's posture the dashboard reads beside the alerts. */
export interface PostureView {
  readonly model_id: string;
  readonly rules: { readonly insufficient_data: NotJudgedView[] };
}

export type SilenceState = 'active' | 'pending' | 'expired';

export interface SilenceMatchers {
  readonly severities: string[];
  readonly sectors: string[];
  readonly model_ids: string[];
  readonly rule_ids: string[];
}

export interface SilenceView {
  readonly id: string;
  readonly matchers: SilenceMatchers;
  readonly reason: string;
  readonly starts_at: string;
  readonly ends_at: string;
  readonly state: SilenceState;
  readonly created_by: string;
  readonly created_by_name: string | null;
  readonly created_at: string;
}

/** Who is signed in. `roles` is null when the API could not say (no `GET /v1/me`); `canAct` was then probed. */
export interface Identity {
  readonly tenantId: string | null;
  readonly tenantName: string | null;
  readonly keyId: string | null;
  readonly keyName: string | null;
  readonly roles: readonly string[] | null;
  /** May acknowledge, assign, comment, resolve, reopen and manage silences (admin or risk_officer). */
  readonly canAct: boolean;
}

/** RFC 9457 problem details, as every API error comes. */
export interface ProblemDetails {
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

/** An evidence bundle (`GET /v1/evidence/bundles`). */
export interface BundleView {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly stage: string | null;
  readonly progress: { readonly done: number; readonly total: number };
  readonly params: { readonly from: string | null; readonly to: string | null; readonly model_id: string | null; readonly sector: string | null };
  readonly requested_by: string;
  readonly requested_by_name: string | null;
  readonly created_at: string;
  readonly finished_at: string | null;
  readonly error: string | null;
  readonly size: number | null;
  readonly download: string | null;
}
