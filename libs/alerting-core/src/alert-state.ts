/** The states of an alert. Persisted in `alerts.status`: never rename. */
export const ALERT_STATUSES = ['firing', 'acknowledged', 'resolved', 'silenced'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** What can happen to an alert; each is one row of its history. Persisted in `alert_history.action`: never rename. */
export const ALERT_ACTIONS = [
  'created',
  'occurrence',
  'severity_raised',
  'acknowledged',
  'assigned',
  'commented',
  'escalated',
  'silenced',
  'unsilenced',
  'resolved',
  'reopened',
  'reminded',
  'deadline_missed',
  'report_submitted',
] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** The actor of changes Kanshi makes itself (new findings, auto-resolve, escalation). */
export const SYSTEM_ACTOR = 'kanshi';
