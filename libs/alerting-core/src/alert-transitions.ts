import type { AlertAction, AlertStatus } from './alert-state';

/** What a risk officer asks of an alert. */
export type HumanCommand =
  | { readonly kind: 'acknowledge'; readonly comment?: string }
  | { readonly kind: 'assign'; readonly assignee: string | null; readonly comment?: string }
  | { readonly kind: 'comment'; readonly comment: string }
  | { readonly kind: 'resolve'; readonly comment?: string }
  | { readonly kind: 'reopen'; readonly comment?: string }
  /** The regulatory report the alert's deadline asks for went to the regulator (`reference`: its receipt or case number). */
  | { readonly kind: 'record-report'; readonly reference: string; readonly submittedAt: Date; readonly comment?: string };

/** What Kanshi itself does to an alert. */
export type SystemCommand =
  /** A silence in force matches a firing alert. */
  | { readonly kind: 'silence'; readonly silenceId: string; readonly comment?: string }
  /** The silence holding the alert ended; `heldBy` names another silence in force that matches it. */
  | { readonly kind: 'unsilence'; readonly silenceId: string; readonly heldBy?: string; readonly comment?: string }
  /** The rule judged the condition clear for long enough. */
  | { readonly kind: 'auto-resolve'; readonly comment: string; readonly details: Readonly<Record<string, unknown>> };

/** Anything asked of an alert, by a person or by Kanshi: every change of status goes through {@link planTransition}. */
export type AlertCommand = HumanCommand | SystemCommand;

/** The name of a command: the state machine's vocabulary of transitions. */
export type AlertCommandKind = AlertCommand['kind'];

/** Every kind once: the compiler refuses this record when a command is added and not named here. */
const COMMAND_KINDS: Readonly<Record<AlertCommandKind, true>> = {
  acknowledge: true,
  assign: true,
  comment: true,
  resolve: true,
  reopen: true,
  'record-report': true,
  silence: true,
  unsilence: true,
  'auto-resolve': true,
};

/** Every command of the state machine, by name (metrics count transitions by it: a bounded label). */
export const ALERT_COMMANDS = Object.keys(COMMAND_KINDS) as readonly AlertCommandKind[];

/** The fields of an alert a command reads. */
export interface AlertLifecycleState {
  readonly status: AlertStatus;
  readonly assignee: string | null;
  /** The silence holding it, when silenced. */
  readonly silencedBy?: string | null;
  /** Its regulatory deadline, if a clock runs (for `record-report`). */
  readonly dueAt?: Date | null;
  /** When its report was recorded as submitted. */
  readonly reportSubmittedAt?: Date | null;
}

/** What applying a command changes, or why it cannot apply. */
export type TransitionPlan =
  | {
      readonly ok: true;
      /** The history entry's action; `null` when nothing a reader of the history needs changed. */
      readonly action: AlertAction | null;
      readonly to: AlertStatus;
      /** Column values to set besides `status` (`null` clears a column). */
      readonly set: Readonly<Record<string, unknown>>;
      readonly details: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly conflict: string };

const OPEN: readonly AlertStatus[] = ['firing', 'acknowledged', 'silenced'];

/** What a reopening sets besides the status: the alert starts a new opening (notified, escalated, clocked again). */
export const REOPENED_SET = {
  resolved_at: null,
  acknowledged_at: null,
  clear_since: null,
  escalation_level: 0,
  notified_at: null,
  notified_severity: null,
  silenced_by: null,
} as const;

/**
 * The alert state machine, for people and for Kanshi alike: firing → acknowledged → resolved,
 * silenced beside firing (a silence holds a firing alert; its end releases it), reopen from
 * resolved (a new finding reopens through {@link REOPENED_SET} too). Pure, so every rule of it
 * is unit-tested; the repositories apply the plan under a row lock. A command that makes no sense
 * in the current status is a conflict whose message says what to do instead (for Kanshi's own
 * commands: why nothing changes).
 */
export function planTransition(alert: AlertLifecycleState, command: AlertCommand, now: Date): TransitionPlan {
  switch (command.kind) {
    case 'acknowledge':
      if (alert.status === 'acknowledged') return { ok: false, conflict: 'the alert is already acknowledged' };
      if (alert.status === 'resolved') return { ok: false, conflict: 'the alert is resolved; reopen it first' };
      return { ok: true, action: 'acknowledged', to: 'acknowledged', set: { acknowledged_at: now, silenced_by: null }, details: {} };
    case 'assign':
      if (!OPEN.includes(alert.status)) return { ok: false, conflict: 'the alert is resolved; reopen it before assigning it' };
      if (alert.assignee === command.assignee) return { ok: false, conflict: `the alert is already ${command.assignee === null ? 'unassigned' : `assigned to ${command.assignee}`}` };
      return { ok: true, action: 'assigned', to: alert.status, set: { assignee: command.assignee }, details: { from: alert.assignee, to: command.assignee } };
    case 'comment':
      return { ok: true, action: 'commented', to: alert.status, set: {}, details: {} };
    case 'resolve':
      if (alert.status === 'resolved') return { ok: false, conflict: 'the alert is already resolved' };
      return { ok: true, action: 'resolved', to: 'resolved', set: { resolved_at: now, clear_since: null, silenced_by: null }, details: { how: 'manual' } };
    case 'reopen':
      if (alert.status !== 'resolved') return { ok: false, conflict: `the alert is ${alert.status}, not resolved; only a resolved alert can be reopened` };
      return { ok: true, action: 'reopened', to: 'firing', set: { ...REOPENED_SET, opened_at: now }, details: {} };
    case 'record-report': {
      if (!alert.dueAt) return { ok: false, conflict: 'the alert carries no regulatory deadline; there is no report to record' };
      if (alert.reportSubmittedAt) return { ok: false, conflict: `its report was recorded as submitted at ${alert.reportSubmittedAt.toISOString()} already` };
      if (command.submittedAt.getTime() > now.getTime()) return { ok: false, conflict: 'a report cannot be submitted in the future' };
      const details = {
        reference: command.reference,
        submitted_at: command.submittedAt.toISOString(),
        due_at: alert.dueAt.toISOString(),
        on_time: command.submittedAt.getTime() <= alert.dueAt.getTime(),
      };
      // The status does not change: the alert stays open until its cause is dealt with; its clock stops.
      return { ok: true, action: 'report_submitted', to: alert.status, set: { report_submitted_at: command.submittedAt }, details };
    }
    case 'silence':
      // Only a firing alert is held: an acknowledged one has a person on it, a silenced one a silence already.
      if (alert.status !== 'firing') return { ok: false, conflict: `the alert is ${alert.status}; a silence holds firing alerts only` };
      return { ok: true, action: 'silenced', to: 'silenced', set: { silenced_by: command.silenceId }, details: { silence_id: command.silenceId } };
    case 'unsilence':
      if (alert.status !== 'silenced' || (alert.silencedBy !== undefined && alert.silencedBy !== command.silenceId)) {
        return { ok: false, conflict: 'the alert is not held by this silence' };
      }
      // Another silence in force still matches it: it stays silenced, held by that one (no history: its status did not change).
      if (command.heldBy !== undefined) return { ok: true, action: null, to: 'silenced', set: { silenced_by: command.heldBy }, details: {} };
      return { ok: true, action: 'unsilenced', to: 'firing', set: { silenced_by: null }, details: { silence_id: command.silenceId } };
    case 'auto-resolve':
      if (alert.status === 'resolved') return { ok: false, conflict: 'the alert is already resolved' };
      return { ok: true, action: 'resolved', to: 'resolved', set: { resolved_at: now, clear_since: null, silenced_by: null }, details: { how: 'auto', ...command.details } };
  }
}
