import { alertClockJobId, escalateAlertJobId, JOBS, notificationGroupKey, type AlertClockJob, type EscalateAlertJob, type NotifyGroupJob, type Severity } from '@kanshi/contracts';
import type { AlertStatus } from './alert-state';
import { settingMs, type AlertingSettings } from './alerting-settings';

/** What the follow-ups of an alert are decided from: its stored state. */
export interface AlertFollowUpState {
  readonly id: string;
  readonly tenantId: string;
  readonly modelId: string;
  readonly status: AlertStatus;
  readonly severity: string;
  readonly openedAt: Date;
  readonly notifiedAt: Date | null;
  readonly notifiedSeverity: string | null;
  readonly escalationLevel: number;
  readonly dueAt: Date | null;
  /** When its regulatory report was recorded as submitted: no clock follows then. */
  readonly reportSubmittedAt?: Date | null;
}

/** A run of a notification group an alert asks for, at `runAt` at the latest. */
export interface GroupRunWanted {
  readonly data: NotifyGroupJob;
  readonly groupKey: string;
  readonly runAt: Date;
}

/** A timed job for the `escalations` queue (its id is derived from the state it serves), as the queue layer takes it. */
export type TimedJobWanted =
  | { readonly name: typeof JOBS.escalateAlert; readonly data: EscalateAlertJob; readonly id: string; readonly delayMs: number }
  | { readonly name: typeof JOBS.alertClock; readonly data: AlertClockJob; readonly id: string; readonly delayMs: number };

/** Everything the stored state of some alerts calls for. */
export interface FollowUpPlan {
  readonly groupRuns: readonly GroupRunWanted[];
  readonly timed: readonly TimedJobWanted[];
}

/**
 * What follows the stored state of alerts, as a function of (state, settings, now) alone: the
 * group run of a firing alert (new, reopened or more severe: after the group wait; notified
 * already: when it repeats), the next escalation of a firing alert with an acknowledgement SLA,
 * and the deadline and reminders of a regulatory clock. Pure; the same state always plans the
 * same job ids, so scheduling it twice is a no-op.
 */
export function planFollowUps(alerts: readonly AlertFollowUpState[], settings: AlertingSettings, now: Date): FollowUpPlan {
  const groupRuns: GroupRunWanted[] = [];
  const timed: TimedJobWanted[] = [];
  for (const alert of alerts) {
    const run = groupRunOf(alert, settings, now);
    if (run) groupRuns.push(run);
    const escalation = escalationOf(alert, settings, now);
    if (escalation) timed.push(escalation);
    timed.push(...clockJobsOf(alert, settings, now));
  }
  return { groupRuns, timed };
}

function groupRunOf(alert: AlertFollowUpState, settings: AlertingSettings, now: Date): GroupRunWanted | undefined {
  if (alert.status !== 'firing') return undefined;
  const severity = alert.severity as Severity;
  const policy = settings.severities[severity];
  // New, reopened or more severe: after the group wait. Notified already: when it repeats
  // (an alert back from a silence has no group run planned for it otherwise).
  const runAt =
    alert.notifiedAt === null || alert.notifiedSeverity !== alert.severity
      ? now.getTime() + settingMs(policy.group_wait)
      : Math.max(now.getTime(), alert.notifiedAt.getTime() + settingMs(policy.repeat_interval));
  const data: NotifyGroupJob = { tenant_id: alert.tenantId, model_id: alert.modelId, severity };
  return { data, groupKey: notificationGroupKey(data), runAt: new Date(runAt) };
}

function escalationOf(alert: AlertFollowUpState, settings: AlertingSettings, now: Date): TimedJobWanted | undefined {
  const sla = settings.severities[alert.severity as Severity].ack_sla;
  if (alert.status !== 'firing' || sla === null || alert.escalationLevel >= settings.max_escalation_level) return undefined;
  const slaMs = settingMs(sla);
  const level = alert.escalationLevel + 1;
  const data: EscalateAlertJob = { tenant_id: alert.tenantId, alert_id: alert.id, level, opened_at: alert.openedAt.toISOString() };
  // Level n is due n SLAs after the alert opened.
  return { name: JOBS.escalateAlert, data, id: escalateAlertJobId(data, slaMs), delayMs: Math.max(0, alert.openedAt.getTime() + level * slaMs - now.getTime()) };
}

function clockJobsOf(alert: AlertFollowUpState, settings: AlertingSettings, now: Date): TimedJobWanted[] {
  if (alert.dueAt === null || alert.status === 'resolved' || alert.reportSubmittedAt) return [];
  const due = alert.dueAt.getTime();
  const base = { tenant_id: alert.tenantId, alert_id: alert.id, due_at: alert.dueAt.toISOString() };
  // The last days start at once when the deadline became known that close: the alert is critical from then.
  const jobs: AlertClockJob[] = [{ ...base, point: 'deadline' }, { ...base, point: 'last-days', before: settings.clock_critical_within }];
  for (const before of settings.clock_reminders) {
    // A reminder point already behind us when the deadline became known is skipped.
    if (due - settingMs(before) > now.getTime()) jobs.push({ ...base, point: 'reminder', before });
  }
  return jobs.map((data) => ({
    name: JOBS.alertClock,
    data,
    id: alertClockJobId(data),
    delayMs: Math.max(0, due - (data.before ? settingMs(data.before) : 0) - now.getTime()),
  }));
}
