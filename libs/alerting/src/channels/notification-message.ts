/** Why a notification goes out. Persisted with every notification: never rename. */
export const NOTIFICATION_KINDS = ['firing', 'escalation', 'reminder', 'deadline_missed', 'silence_expiring'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One alert as a notification shows it. */
export interface AlertSummary {
  readonly id: string;
  /** Where a risk officer opens the alert. */
  readonly url: string;
  readonly status: string;
  readonly severity: string;
  readonly rule_id: string;
  readonly title: string;
  /** The law or guideline behind the rule. */
  readonly source: string;
  readonly sector: string;
  readonly model_id: string;
  readonly scope: string;
  readonly observed: unknown;
  readonly args: Readonly<Record<string, unknown>>;
  readonly occurrence_count: number;
  readonly first_seen_at: string;
  readonly last_seen_at: string;
  readonly due_at: string | null;
  readonly escalation_level: number;
  readonly assignee: string | null;
  /** True when this alert was notified before and is repeated because it still fires. */
  readonly repeat: boolean;
}

/** A silence as a reminder of its end shows it. */
export interface SilenceSummary {
  readonly id: string;
  readonly reason: string;
  readonly ends_at: string;
  readonly created_by: string;
  readonly matchers: Readonly<Record<string, readonly string[]>>;
}

/**
 * What one notification says, whatever the channel. `id` is the notification's id: receivers
 * use it as the idempotency key, since a retry sends the same id again.
 */
export interface NotificationMessage {
  readonly id: string;
  readonly tenant_id: string;
  readonly kind: NotificationKind;
  /** Escalation level (0 for the first notification). */
  readonly level: number;
  readonly created_at: string;
  readonly alerts: readonly AlertSummary[];
  readonly silence: SilenceSummary | null;
}

/** The result of one attempt to deliver. */
export interface DeliveryOutcome {
  readonly ok: boolean;
  /** A failure no retry can mend (a 4xx answer other than 408 and 429, a refused address). */
  readonly permanent: boolean;
  readonly httpStatus: number | null;
  /** What went wrong, without any secret in it. */
  readonly error: string | null;
  readonly durationMs: number;
}
