import type { AlertAction, AlertStatus } from './alert-state';

/** What a risk officer (or Kanshi itself) asks of an alert. */
export type AlertCommand =
  | { readonly kind: 'acknowledge'; readonly comment?: string }
  | { readonly kind: 'assign'; readonly assignee: string | null; readonly comment?: string }
  | { readonly kind: 'comment'; readonly comment: string }
  | { readonly kind: 'resolve'; readonly comment?: string }
  | { readonly kind: 'reopen'; readonly comment?: string };

/** The fields of an alert a command reads. */
export interface AlertLifecycleState {
  readonly status: AlertStatus;
  readonly assignee: string | null;
}

/** What applying a command changes, or why it cannot apply. */
export type TransitionPlan =
  | {
      readonly ok: true;
      readonly action: AlertAction;
      readonly to: AlertStatus;
      /** Column values to set besides `status` (`null` clears a column). */
      readonly set: Readonly<Record<string, unknown>>;
      readonly details: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly conflict: string };

const OPEN: readonly AlertStatus[] = ['firing', 'acknowledged', 'silenced'];

/**
 * The alert state machine: firing → acknowledged → resolved, silenced beside them, reopen from
 * resolved. Pure, so every rule of it is unit-tested; the repository applies the plan under a
 * row lock. A command that makes no sense in the current status is a conflict whose message
 * says what to do instead.
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
      return { ok: true, action: 'reopened', to: 'firing', set: { resolved_at: null, acknowledged_at: null, clear_since: null, escalation_level: 0, opened_at: now, notified_at: null, notified_severity: null, silenced_by: null }, details: {} };
  }
}
