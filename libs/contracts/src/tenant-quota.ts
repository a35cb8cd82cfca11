import { alertFingerprint, findingId, type RaiseAlertJob } from './alert-job';

/**
 * The quotas each tenant has, by the name its alert's scope and the metrics carry. Persisted in
 * alerts and dead-letter errors: never rename.
 */
export const TENANT_QUOTAS = {
  /** Telemetry events evaluated per minute (each engine instance, for the partitions it holds). */
  events: 'events-per-minute',
  /** New models outside the inventory seen per day (each engine instance). */
  unregisteredModels: 'unregistered-models-per-day',
  /** Alerts created per minute (all alert workers together). */
  alertCreations: 'alert-creations-per-minute',
  /** Notifications delivered per minute (all alert workers together). */
  notifications: 'notifications-per-minute',
} as const;

export type TenantQuotaName = (typeof TENANT_QUOTAS)[keyof typeof TENANT_QUOTAS];

/** The configuration variable that sets each quota (`libs/config`). */
export const QUOTA_VARIABLES: Readonly<Record<TenantQuotaName, string>> = {
  [TENANT_QUOTAS.events]: 'KANSHI_QUOTA_EVENTS_PER_MINUTE',
  [TENANT_QUOTAS.unregisteredModels]: 'KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY',
  [TENANT_QUOTAS.alertCreations]: 'KANSHI_QUOTA_ALERT_CREATIONS_PER_MINUTE',
  [TENANT_QUOTAS.notifications]: 'KANSHI_QUOTA_NOTIFICATIONS_PER_MINUTE',
};

/** Model id of a tenant's quota alerts: not a model (telemetry model ids start with a letter or digit). */
export const TENANT_ALERT_MODEL = '_tenant';
/** Rule id of a tenant's quota alerts. */
export const QUOTA_RULE_ID = 'Q1';

/** What went over a quota, as the tenant's quota alert shows it. */
export interface QuotaBreach {
  readonly tenantId: string;
  readonly quota: TenantQuotaName;
  /** The quota in force. */
  readonly limit: number;
  /** Start of the window that went over (a minute, or a UTC day), epoch ms. */
  readonly windowStart: number;
  /** The configuration variable that sets the quota, so the alert says how to change it. */
  readonly variable: string;
  /** What the caller did with what was over: dead-lettered or held back. */
  readonly action: 'dead-lettered' | 'held back';
}

/**
 * The job that raises (or adds an occurrence to) the tenant's one alert for a quota: one finding
 * per window that went over, so every instance and every retry that sees the same breach makes
 * the same finding, counted once.
 */
export function quotaAlertJob(breach: QuotaBreach): RaiseAlertJob {
  const fingerprint = alertFingerprint(breach.tenantId, TENANT_ALERT_MODEL, QUOTA_RULE_ID, breach.quota);
  const window = new Date(breach.windowStart).toISOString();
  const occurrence = `${breach.quota}@${window}`;
  return {
    fingerprint,
    tenant_id: breach.tenantId,
    model_id: TENANT_ALERT_MODEL,
    rule_id: QUOTA_RULE_ID,
    module_id: 'kanshi',
    sector: 'general',
    scope: breach.quota,
    title: `Tenant quota exceeded: ${breach.quota}`,
    source: `Kanshi tenant quota (${breach.variable}); see docs/security.md`,
    args: { limit: breach.limit },
    due_at: null,
    findings: [
      {
        finding_id: findingId(fingerprint, occurrence),
        event_id: occurrence,
        occurred_at: window,
        severity: 'high',
        observed: { quota: breach.quota, limit: breach.limit, window_start: window, action: breach.action },
        evidence_event_ids: [],
      },
    ],
  };
}

/** Start of the minute `now` falls in. */
export function minuteOf(now: number): number {
  return now - (now % 60_000);
}

/** Start of the UTC day `now` falls in. */
export function dayOf(now: number): number {
  return now - (now % 86_400_000);
}
