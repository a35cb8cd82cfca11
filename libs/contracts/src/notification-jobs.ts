import { createHash } from 'node:crypto';
import type { Severity } from './severity';

/*
 * Payloads of the jobs on the `notifications` and `escalations` queues. Persisted in Redis while
 * queued (delayed jobs for days): add fields, never rename or remove them. Every id below is
 * deterministic, so a job scheduled twice from the same state is one job.
 */

/** `notification.group`: notify the due alerts of one group (tenant + model + severity). */
export interface NotifyGroupJob {
  readonly tenant_id: string;
  readonly model_id: string;
  readonly severity: Severity;
}

/** `notification.deliver`: send one stored notification to its channel. */
export interface DeliverNotificationJob {
  readonly tenant_id: string;
  readonly notification_id: string;
}

/** `alert.escalate`: the alert has not been acknowledged within its severity's SLA. */
export interface EscalateAlertJob {
  readonly tenant_id: string;
  readonly alert_id: string;
  /** The level this job raises the alert to (1 for the first escalation). */
  readonly level: number;
  /** When the alert opened (created or reopened), ISO 8601: a job of an earlier opening is void. */
  readonly opened_at: string;
}

/** `alert.clock`: a point before a regulatory deadline, or the deadline itself. */
export interface AlertClockJob {
  readonly tenant_id: string;
  readonly alert_id: string;
  /** The deadline this job belongs to, ISO 8601: a job of a deadline since changed is void. */
  readonly due_at: string;
  /**
   * `reminder` at `before` ahead of the deadline; `last-days` at `before` ahead of it, when the
   * alert becomes critical if its report is still not recorded; `deadline` when it passes.
   */
  readonly point: 'reminder' | 'last-days' | 'deadline';
  /** How long before the deadline a reminder or the last days start (a duration such as `3d`). */
  readonly before?: string;
}

/** `silence.remind` and `silence.expire`: a silence is about to end, or has ended. */
export interface SilenceTimerJob {
  readonly tenant_id: string;
  readonly silence_id: string;
  /** The silence's end this job belongs to, ISO 8601: a job of an end since changed is void. */
  readonly ends_at: string;
}

function digest(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

/** The key of a notification group, as stored with the group's schedule. */
export function notificationGroupKey(job: Pick<NotifyGroupJob, 'model_id' | 'severity'>): string {
  return JSON.stringify([job.model_id, job.severity]);
}

/** One run of a group at one time: groups touched again before it runs are that same run. */
export function notifyGroupJobId(job: NotifyGroupJob, runAt: Date): string {
  return `group-${digest([job.tenant_id, job.model_id, job.severity, runAt.getTime()])}`;
}

export function deliverNotificationJobId(job: DeliverNotificationJob): string {
  return `deliver-${job.notification_id}`;
}

export function escalateAlertJobId(job: EscalateAlertJob, slaMs: number): string {
  return `escalate-${digest([job.alert_id, job.level, job.opened_at, slaMs])}`;
}

export function alertClockJobId(job: AlertClockJob): string {
  return `clock-${digest([job.alert_id, job.due_at, job.point, job.before ?? null])}`;
}

export function silenceTimerJobId(kind: 'remind' | 'expire', job: SilenceTimerJob): string {
  return `silence-${kind}-${digest([job.silence_id, job.ends_at])}`;
}
