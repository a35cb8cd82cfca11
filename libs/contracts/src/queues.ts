import type { ClearAlertJob, RaiseAlertJob, RaiseAlertSetJob } from './alert-job';
import type { AlertClockJob, DeliverNotificationJob, EscalateAlertJob, NotifyGroupJob, SilenceTimerJob } from './notification-jobs';

/**
 * BullMQ queue names. Persisted as Redis key prefixes that hold jobs across restarts:
 * never rename.
 */
export const QUEUES = {
  alerts: 'alerts',
  notifications: 'notifications',
  escalations: 'escalations',
  evidence: 'evidence',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Job names. Persisted with every job in Redis: never rename. */
export const JOBS = {
  raiseAlert: 'alert.raise',
  raiseAlerts: 'alert.raise-set',
  clearAlert: 'alert.clear',
  notifyGroup: 'notification.group',
  deliverNotification: 'notification.deliver',
  escalateAlert: 'alert.escalate',
  alertClock: 'alert.clock',
  remindSilence: 'silence.remind',
  expireSilence: 'silence.expire',
  exportBundle: 'evidence.bundle',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** Every job name mapped to its payload type. */
export interface JobPayloads {
  [JOBS.raiseAlert]: RaiseAlertJob;
  [JOBS.raiseAlerts]: RaiseAlertSetJob;
  [JOBS.clearAlert]: ClearAlertJob;
  [JOBS.notifyGroup]: NotifyGroupJob;
  [JOBS.deliverNotification]: DeliverNotificationJob;
  [JOBS.escalateAlert]: EscalateAlertJob;
  [JOBS.alertClock]: AlertClockJob;
  [JOBS.remindSilence]: SilenceTimerJob;
  [JOBS.expireSilence]: SilenceTimerJob;
  [JOBS.exportBundle]: ExportBundleJob;
}

/** Makes the evidence bundle a risk officer asked for (`POST /v1/evidence/bundles`); what it covers is in its row. */
export interface ExportBundleJob {
  readonly tenant_id: string;
  readonly bundle_id: string;
}

/** Which queue carries which jobs; a worker checks at boot that each has exactly one handler. */
export const QUEUE_JOBS: { readonly [Q in QueueName]: readonly JobName[] } = {
  alerts: [JOBS.raiseAlert, JOBS.raiseAlerts, JOBS.clearAlert],
  notifications: [JOBS.notifyGroup, JOBS.deliverNotification],
  escalations: [JOBS.escalateAlert, JOBS.alertClock, JOBS.remindSilence, JOBS.expireSilence],
  evidence: [JOBS.exportBundle],
};
