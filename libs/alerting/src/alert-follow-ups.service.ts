import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  alertClockJobId,
  deliverNotificationJobId,
  escalateAlertJobId,
  JOBS,
  notificationGroupKey,
  notifyGroupJobId,
  QUEUES,
  silenceTimerJobId,
  type AlertClockJob,
  type DeliverNotificationJob,
  type EscalateAlertJob,
  type NotifyGroupJob,
  type Severity,
  type SilenceTimerJob,
} from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { AlertingSettingsRepository, NotificationRepository, type AlertFollowUpState, type PendingDelivery } from '@kanshi/persistence';
import { CAPPED_BACKOFF } from './alert-queue.service';
import { DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings, settingMs, type AlertingSettings } from './alerting-settings';
import { createRedisConnection, logRedisOutages } from './redis-connection';

/**
 * Timed jobs retry like alert jobs (a lost escalation or deadline is a missed duty) and are kept
 * for a day once done, so scheduling the same state again is a no-op meanwhile; after that the
 * handlers' own checks make a replay harmless.
 */
const TIMED_JOB_OPTIONS: JobsOptions = {
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: CAPPED_BACKOFF },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/** Group runs are removed once done, so the group can be asked for again at any time. */
const GROUP_JOB_OPTIONS: JobsOptions = { ...TIMED_JOB_OPTIONS, removeOnComplete: true };

/** A tenant's changed settings reach the worker within this time. */
const SETTINGS_TTL_MS = 2000;

const DELIVERY_DEFAULTS = { max_attempts: 8, backoff_ms: 10_000 };

/**
 * What follows a change of an alert or a silence, scheduled on the `notifications` and
 * `escalations` queues from the state in PostgreSQL alone: a notification group run, the next
 * escalation, the reminders and the deadline of a regulatory clock, a silence's reminder and
 * end. Every job id is derived from that state, so calling this twice (a retried job, a replay,
 * a restart) schedules nothing twice, and the delayed jobs live in Redis across worker restarts.
 */
@Injectable()
export class AlertFollowUps implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly notifications: Queue;
  private readonly escalations: Queue;
  private readonly settingsCache = new Map<string, { settings: AlertingSettings; until: number }>();
  private readonly logger = new Logger(AlertFollowUps.name);

  constructor(
    config: AppConfig,
    private readonly store: NotificationRepository,
    private readonly settingsStore: AlertingSettingsRepository,
  ) {
    this.connection = createRedisConnection(config.values.redisUrl, 'producer', 'kanshi-follow-ups');
    const options = { connection: this.connection, prefix: config.values.queuePrefix };
    this.notifications = new Queue(QUEUES.notifications, options);
    this.escalations = new Queue(QUEUES.escalations, options);
    logRedisOutages(this.connection, [this.notifications, this.escalations], this.logger, 'Redis (follow-up queues)');
  }

  /** The tenant's settings over Kanshi's defaults (read at most every few seconds per tenant). */
  async settings(tenantId: string, now = Date.now()): Promise<AlertingSettings> {
    const cached = this.settingsCache.get(tenantId);
    if (cached && cached.until > now) return cached.settings;
    const settings = mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, await this.settingsStore.get(tenantId));
    if (this.settingsCache.size >= 10_000) this.settingsCache.clear();
    this.settingsCache.set(tenantId, { settings, until: now + SETTINGS_TTL_MS });
    return settings;
  }

  /** Schedules what the alert's current state calls for. */
  async afterAlertChange(tenantId: string, alertId: string, now = new Date()): Promise<void> {
    const alert = await this.store.followUpState(tenantId, alertId);
    if (!alert) return;
    const settings = await this.settings(tenantId);
    await Promise.all([this.scheduleNotification(alert, settings, now), this.scheduleEscalation(alert, settings, now), this.scheduleClock(alert, settings, now)]);
  }

  /** Applies a silence to the alerts it matches now and schedules its reminder and its end. */
  async afterSilenceChange(tenantId: string, silence: { readonly id: string; readonly endsAt: Date; readonly startsAt: Date }, now = new Date()): Promise<void> {
    const settings = await this.settings(tenantId);
    await this.store.applySilence(tenantId, silence.id, now);
    const job: SilenceTimerJob = { tenant_id: tenantId, silence_id: silence.id, ends_at: silence.endsAt.toISOString() };
    const remindAt = silence.endsAt.getTime() - settingMs(settings.silence_reminder);
    // A reminder whose time passed before the silence was made would only be noise.
    if (remindAt > now.getTime() && remindAt > silence.startsAt.getTime()) {
      await this.escalations.add(JOBS.remindSilence, job, { ...TIMED_JOB_OPTIONS, jobId: silenceTimerJobId('remind', job), delay: remindAt - now.getTime() });
    }
    await this.escalations.add(JOBS.expireSilence, job, {
      ...TIMED_JOB_OPTIONS,
      jobId: silenceTimerJobId('expire', job),
      delay: Math.max(0, silence.endsAt.getTime() - now.getTime()),
    });
    // A silence that starts later holds back notifications from its start (each run checks the
    // silences in force); alerts show `silenced` when a notification is held back.
  }

  /**
   * For the API, after a change it has committed: a queue outage must not turn a stored change
   * into an error answer (and its retry into a 409). It is logged; the alert's next change, or
   * the worker's check at boot, schedules what was missed.
   */
  async settle(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(`could not schedule what follows ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Queues stored notifications for delivery, with their channel's retry settings. */
  async deliver(pending: readonly PendingDelivery[]): Promise<void> {
    if (pending.length === 0) return;
    await this.notifications.addBulk(
      pending.map((p) => {
        const data: DeliverNotificationJob = { tenant_id: p.tenantId, notification_id: p.notificationId };
        const attempts = numberOr(p.channelConfig['max_attempts'], DELIVERY_DEFAULTS.max_attempts);
        const delay = numberOr(p.channelConfig['backoff_ms'], DELIVERY_DEFAULTS.backoff_ms);
        return {
          name: JOBS.deliverNotification,
          data,
          opts: {
            jobId: deliverNotificationJobId(data),
            attempts,
            backoff: { type: 'exponential', delay, jitter: 0.3 },
            removeOnComplete: { age: 24 * 3600, count: 100_000 },
            removeOnFail: { age: 14 * 24 * 3600 },
          },
        };
      }),
    );
  }

  /** Asks for a run of a notification group at `runAt` at the latest. */
  async scheduleGroup(tenantId: string, group: Omit<NotifyGroupJob, 'tenant_id'>, runAt: Date, now = new Date()): Promise<void> {
    const data: NotifyGroupJob = { tenant_id: tenantId, model_id: group.model_id, severity: group.severity };
    const { at, changed } = await this.store.touchGroup(tenantId, notificationGroupKey(data), runAt);
    // Planned already: its job was queued by whoever planned it (a minute-stale plan is replaced).
    if (changed) await this.queueGroupRun(data, at, now);
  }

  /** Queues the run of a group the database already plans at `at` (after a group run). */
  async queueGroupRun(data: NotifyGroupJob, at: Date, now = new Date()): Promise<void> {
    await this.notifications.add(JOBS.notifyGroup, data, { ...GROUP_JOB_OPTIONS, jobId: notifyGroupJobId(data, at), delay: Math.max(0, at.getTime() - now.getTime()) });
  }

  private async scheduleNotification(alert: AlertFollowUpState, settings: AlertingSettings, now: Date): Promise<void> {
    if (alert.status !== 'firing') return;
    const severity = alert.severity as Severity;
    const policy = settings.severities[severity];
    // New, reopened or more severe: after the group wait. Notified already: when it repeats
    // (an alert back from a silence has no group run planned for it otherwise).
    const runAt =
      alert.notifiedAt === null || alert.notifiedSeverity !== alert.severity
        ? now.getTime() + settingMs(policy.group_wait)
        : Math.max(now.getTime(), alert.notifiedAt.getTime() + settingMs(policy.repeat_interval));
    await this.scheduleGroup(alert.tenantId, { model_id: alert.modelId, severity }, new Date(runAt), now);
  }

  private async scheduleEscalation(alert: AlertFollowUpState, settings: AlertingSettings, now: Date): Promise<void> {
    const sla = settings.severities[alert.severity as Severity].ack_sla;
    if (alert.status !== 'firing' || sla === null || alert.escalationLevel >= settings.max_escalation_level) return;
    const slaMs = settingMs(sla);
    const level = alert.escalationLevel + 1;
    const job: EscalateAlertJob = { tenant_id: alert.tenantId, alert_id: alert.id, level, opened_at: alert.openedAt.toISOString() };
    // Level n is due n SLAs after the alert opened.
    const delay = Math.max(0, alert.openedAt.getTime() + level * slaMs - now.getTime());
    await this.escalations.add(JOBS.escalateAlert, job, { ...TIMED_JOB_OPTIONS, jobId: escalateAlertJobId(job, slaMs), delay });
  }

  private async scheduleClock(alert: AlertFollowUpState, settings: AlertingSettings, now: Date): Promise<void> {
    if (alert.dueAt === null || alert.status === 'resolved') return;
    const due = alert.dueAt.getTime();
    const base = { tenant_id: alert.tenantId, alert_id: alert.id, due_at: alert.dueAt.toISOString() };
    const jobs: AlertClockJob[] = [{ ...base, point: 'deadline' }];
    for (const before of settings.clock_reminders) {
      // A reminder point already behind us when the deadline became known is skipped.
      if (due - settingMs(before) > now.getTime()) jobs.push({ ...base, point: 'reminder', before });
    }
    await this.escalations.addBulk(
      jobs.map((job) => ({
        name: JOBS.alertClock,
        data: job,
        opts: { ...TIMED_JOB_OPTIONS, jobId: alertClockJobId(job), delay: Math.max(0, due - (job.before ? settingMs(job.before) : 0) - now.getTime()) },
      })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.notifications.close(), this.escalations.close()]);
    this.connection.disconnect();
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
