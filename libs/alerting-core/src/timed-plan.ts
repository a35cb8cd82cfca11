import type { AlertClockJob, EscalateAlertJob } from '@kanshi/contracts';
import type { AlertStatus } from './alert-state';

/** Whether a timed job still applies to the alert as it is now, and if not, why. */
export type TimedVerdict = { readonly go: true } | { readonly go: false; readonly why: string };

/** The fields of an alert a timed job reads. */
export interface TimedAlertState {
  readonly status: AlertStatus;
  readonly severity: string;
  readonly openedAt: Date;
  readonly escalationLevel: number;
  readonly dueAt: Date | null;
  /** When its regulatory report was recorded as submitted (the clock stops). */
  readonly reportSubmittedAt?: Date | null;
}

const GO: TimedVerdict = { go: true };

/**
 * An escalation still applies when nobody acknowledged the alert (it is firing), it was not
 * reopened since the job was planned (same opening), and it sits at the level below the job's.
 */
export function escalationVerdict(alert: TimedAlertState, job: EscalateAlertJob): TimedVerdict {
  if (alert.status !== 'firing') return { go: false, why: `the alert is ${alert.status}` };
  if (alert.openedAt.toISOString() !== job.opened_at) return { go: false, why: 'the alert reopened since' };
  if (alert.escalationLevel !== job.level - 1) return { go: false, why: `the alert is at escalation level ${alert.escalationLevel}` };
  return GO;
}

/**
 * A point of a regulatory clock still applies while the alert is open, its deadline is the one
 * the job was planned for, its report has not been recorded as submitted, and the point was not
 * handled already (`handled`: its history says so). The last days of a clock (`last-days`,
 * `clock_critical_within` before the deadline, 3 days by default) and a missed deadline raise the
 * alert to critical.
 */
export function clockVerdict(alert: TimedAlertState, job: AlertClockJob, handled: boolean): TimedVerdict & { readonly raiseToCritical?: boolean } {
  if (alert.status === 'resolved') return { go: false, why: 'the alert is resolved' };
  if (alert.dueAt?.toISOString() !== job.due_at) return { go: false, why: 'the deadline moved' };
  if (alert.reportSubmittedAt) return { go: false, why: 'the report was submitted' };
  if (handled) return { go: false, why: 'already handled' };
  const critical = alert.severity === 'critical';
  // The last days of a clock only raise the alert: one critical already has nothing to add.
  if (job.point === 'last-days' && critical) return { go: false, why: 'the alert is critical already' };
  return { go: true, raiseToCritical: job.point !== 'reminder' && !critical };
}

/** A firing alert of a notification group, as its runs read it. */
export interface GroupMember {
  readonly id: string;
  readonly severity: string;
  readonly notifiedAt: Date | null;
  readonly notifiedSeverity: string | null;
}

/** When the member is next due a notification: now when never notified in this opening or at another severity; else a repeat interval after the last. */
function dueAt(member: GroupMember, repeatMs: number, now: Date): number {
  if (member.notifiedAt === null || member.notifiedSeverity !== member.severity) return now.getTime();
  return member.notifiedAt.getTime() + repeatMs;
}

/** The members a group run at `now` notifies, oldest first as given, at most `limit`. */
export function dueMembers<M extends GroupMember>(members: readonly M[], repeatMs: number, now: Date, limit: number): M[] {
  return members.filter((m) => dueAt(m, repeatMs, now) <= now.getTime()).slice(0, limit);
}

/** When the group should run next, given its firing members after this run (`null`: none left). */
export function nextGroupRun(members: readonly GroupMember[], repeatMs: number, now: Date): Date | null {
  if (members.length === 0) return null;
  return new Date(members.reduce((earliest, m) => Math.min(earliest, dueAt(m, repeatMs, now)), Number.POSITIVE_INFINITY));
}

/** The fields of an open alert a rule's "condition clear" reads. */
export interface ClearableAlertState {
  readonly status: AlertStatus;
  /** Since when the condition has been judged clear (event time), or `null`. */
  readonly clearSince: Date | null;
  /** Its newest finding's time (event time). */
  readonly lastSeenAt: Date;
}

/** What a "condition clear" does to an alert: nothing, count on, or resolve it. */
export type ClearVerdict =
  | { readonly outcome: 'no-open-alert' }
  | { readonly outcome: 'stale' }
  | { readonly outcome: 'clearing'; readonly clearSince: Date }
  | { readonly outcome: 'resolve'; readonly clearSince: Date };

/**
 * A rule judged its condition clear at `clearedAt`: the alert resolves once the condition has
 * stayed clear for `clearForMs`, in event time between the first and the latest clear (at once
 * when `clearForMs` is 0: a final clear). Order-independent with findings: a clear no newer than
 * the alert's newest finding is stale, and an older clear moves the start of the count back.
 */
export function clearVerdict(alert: ClearableAlertState | undefined, clearedAt: Date, clearForMs: number): ClearVerdict {
  if (!alert || alert.status === 'resolved') return { outcome: 'no-open-alert' };
  if (clearedAt <= alert.lastSeenAt) return { outcome: 'stale' };
  const clearSince = alert.clearSince !== null && alert.clearSince < clearedAt ? alert.clearSince : clearedAt;
  return clearedAt.getTime() - clearSince.getTime() < clearForMs ? { outcome: 'clearing', clearSince } : { outcome: 'resolve', clearSince };
}
