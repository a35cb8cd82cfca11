import { maxSeverity, severityRank, type RaiseAlertJob, type Severity } from '@kanshi/contracts';
import type { AlertAction, AlertStatus } from './alert-state';
import { planTransition } from './alert-transitions';

/** How many evidence event ids an alert keeps inline; all of them stay in `alert_findings`. */
export const ALERT_EVIDENCE_SAMPLE = 20;

/**
 * The raises of a set, one per fingerprint, in fingerprint order (the order rows are locked in,
 * so two sets never wait on each other in a cycle): findings of the same fingerprint joined
 * (each finding id once), the later raise's arguments and title, the earliest deadline.
 */
export function mergeRaises(raises: readonly RaiseAlertJob[]): RaiseAlertJob[] {
  const byFingerprint = new Map<string, RaiseAlertJob>();
  for (const raise of raises) {
    const before = byFingerprint.get(raise.fingerprint);
    if (!before) {
      byFingerprint.set(raise.fingerprint, raise);
      continue;
    }
    const seen = new Set(before.findings.map((f) => f.finding_id));
    const dueAt = [before.due_at, raise.due_at].filter((d): d is string => d !== null).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
    byFingerprint.set(raise.fingerprint, { ...raise, due_at: dueAt, findings: [...before.findings, ...raise.findings.filter((f) => !seen.has(f.finding_id))] });
  }
  return [...byFingerprint.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

/** An alert as a raise found it, locked. */
export interface LockedAlert {
  readonly id: string;
  readonly severity: Severity;
  readonly status: AlertStatus;
  /** True when this raise inserted the row. */
  readonly created: boolean;
}

/** A finding the database had not seen before. */
export interface FreshFinding {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly severity: Severity;
  readonly observed: unknown;
}

/** One alert history entry a raise writes (by Kanshi itself). */
export interface PlannedHistory {
  readonly action: AlertAction;
  readonly from?: AlertStatus;
  readonly to?: AlertStatus;
  readonly comment?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What new findings change on their alert row (applied by one UPDATE for the whole set). */
export interface FindingsUpdate {
  readonly id: string;
  /** A resolved alert fires again: its open-state columns start over. */
  readonly reopen: boolean;
  readonly added: number;
  readonly oldest: Date;
  readonly latest: Date;
  readonly severity: Severity;
  readonly observed: unknown;
  /** Newest first, at most {@link ALERT_EVIDENCE_SAMPLE}. */
  readonly evidence: readonly string[];
}

export interface FindingsPlan {
  readonly reopened: boolean;
  readonly history: readonly PlannedHistory[];
  /** `undefined` when no finding was new (a redelivered job): the row stays as it is. */
  readonly update: FindingsUpdate | undefined;
}

/**
 * What a raise does to its alert, decided from the locked row and the findings the database
 * took as new: nothing when none is new; else a resolved alert reopens (severity starting from
 * its new findings), an open one keeps the highest severity seen, and the history records the
 * changes of state: creation, a reopening, a severity raised. Firing again is no history entry:
 * each finding is in `alert_findings`, and `occurrences` counts them over time. Pure.
 */
export function planFindings(alert: LockedAlert, fresh: readonly FreshFinding[], job: Pick<RaiseAlertJob, 'rule_id' | 'scope'>): FindingsPlan {
  const history: PlannedHistory[] = [];
  const jobSeverity = fresh.length > 0 ? fresh.map((f) => f.severity).reduce(maxSeverity) : alert.severity;
  if (alert.created) history.push({ action: 'created', to: 'firing', details: { severity: jobSeverity, rule_id: job.rule_id, scope: job.scope } });
  if (fresh.length === 0) return { reopened: false, history, update: undefined };
  const newestFirst = [...fresh].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime());
  const latest = newestFirst[0] as FreshFinding;
  const oldest = newestFirst[newestFirst.length - 1] as FreshFinding;
  // The condition holds again: a resolved alert reopens (the state machine's reopen), and any auto-resolve countdown stops.
  const reopened = planTransition({ status: alert.status, assignee: null }, { kind: 'reopen' }, new Date(0)).ok;
  // Severity is the highest seen while open: a reopened alert starts from its new findings.
  const severity = fresh.map((f) => f.severity).reduce(maxSeverity, reopened ? 'low' : alert.severity);
  if (reopened) history.push({ action: 'reopened', from: 'resolved', to: 'firing', comment: 'The rule fired again after the alert was resolved.' });
  if (!alert.created && !reopened && severityRank(severity) > severityRank(alert.severity)) {
    history.push({ action: 'severity_raised', details: { from: alert.severity, to: severity } });
  }
  return {
    reopened,
    history,
    update: {
      id: alert.id,
      reopen: reopened,
      added: fresh.length,
      oldest: oldest.occurredAt,
      latest: latest.occurredAt,
      severity,
      observed: latest.observed ?? null,
      evidence: newestFirst.slice(0, ALERT_EVIDENCE_SAMPLE).map((f) => f.eventId),
    },
  };
}
