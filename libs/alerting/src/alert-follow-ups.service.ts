import { Injectable, Logger } from '@nestjs/common';
import {
  deliverNotificationJobId,
  JOBS,
  notifyGroupJobId,
  silenceTimerJobId,
  type NotifyGroupJob,
  type SilenceTimerJob,
} from '@kanshi/contracts';
import { AlertingSettingsRepository, NotificationRepository, type PendingDelivery } from '@kanshi/persistence';
import { AppConfig } from '@kanshi/config';
import { FairShare, JobQueue, type QueuedJob } from '@kanshi/queue';
import { DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings, planFollowUps, settingMs, type AlertingSettings, type GroupRunWanted } from '@kanshi/alerting-core';
import { AlertMetrics } from './alert-metrics';

/** A tenant's changed settings reach the worker within this time. */
const SETTINGS_TTL_MS = 2000;

const DELIVERY_DEFAULTS = { max_attempts: 8, backoff_ms: 10_000 };

/**
 * What follows a change of an alert or a silence, scheduled on the `notifications` and
 * `escalations` queues from the state in PostgreSQL alone: a notification group run, the next
 * escalation, the reminders and the deadline of a regulatory clock, a silence's reminder and
 * end. Every job id is derived from that state, so calling this twice (a retried job, a replay,
 * a restart) schedules nothing twice, and the delayed jobs live in Redis across worker restarts.
 *
 * Group runs and deliveries have a fair share per tenant, as alert jobs do (see {@link FairShare}):
 * past its share of the minute, a tenant's jobs wait behind other tenants', and critical groups
 * have a share of their own, so a storm's notifications never hold back another tenant's, nor
 * the same tenant's critical ones.
 */
@Injectable()
export class AlertFollowUps {
  private readonly settingsCache = new Map<string, { settings: AlertingSettings; until: number }>();
  private readonly logger = new Logger(AlertFollowUps.name);
  private readonly fairShare: FairShare;

  constructor(
    private readonly queue: JobQueue,
    private readonly store: NotificationRepository,
    private readonly settingsStore: AlertingSettingsRepository,
    config: AppConfig,
    private readonly metrics: AlertMetrics,
  ) {
    this.fairShare = new FairShare(config.values.alertJobsFairSharePerMinute);
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
    await this.afterAlertsChange(tenantId, [alertId], now);
  }

  /**
   * Schedules what the current state of the tenant's alerts calls for (see {@link planFollowUps}):
   * one read of the alerts, one of their groups (and one upsert of those to plan), and one
   * addition of jobs per queue, however many alerts.
   */
  async afterAlertsChange(tenantId: string, alertIds: readonly string[], now = new Date()): Promise<void> {
    const alerts = await this.store.followUpStates(tenantId, alertIds);
    if (alerts.length === 0) return;
    const plan = planFollowUps(alerts, await this.settings(tenantId), now);
    await Promise.all([
      this.scheduleGroups(tenantId, plan.groupRuns, now),
      this.queue.add(plan.timed),
    ]);
  }

  /** Applies a silence to the alerts it matches now and schedules its reminder and its end. */
  async afterSilenceChange(tenantId: string, silence: { readonly id: string; readonly endsAt: Date; readonly startsAt: Date }, now = new Date()): Promise<void> {
    const settings = await this.settings(tenantId);
    this.metrics.transitioned('silence', (await this.store.applySilence(tenantId, silence.id, now)).length);
    const job: SilenceTimerJob = { tenant_id: tenantId, silence_id: silence.id, ends_at: silence.endsAt.toISOString() };
    const remindAt = silence.endsAt.getTime() - settingMs(settings.silence_reminder);
    const timers: QueuedJob[] = [{ name: JOBS.expireSilence, data: job, id: silenceTimerJobId('expire', job), delayMs: silence.endsAt.getTime() - now.getTime() }];
    // A reminder whose time passed before the silence was made would only be noise.
    if (remindAt > now.getTime() && remindAt > silence.startsAt.getTime()) {
      timers.unshift({ name: JOBS.remindSilence, data: job, id: silenceTimerJobId('remind', job), delayMs: remindAt - now.getTime() });
    }
    await this.queue.add(timers);
    // A silence that starts later holds back notifications from its start (each run checks the
    // silences in force); alerts show `silenced` when a notification is held back.
  }

  /** Queues stored notifications for delivery, with their channel's retry settings. */
  async deliver(pending: readonly PendingDelivery[]): Promise<void> {
    await this.queue.add(pending.map((p) => this.share(deliveryJob(p), p.tenantId)));
  }

  /** After group runs: their deliveries and each group's next run, queued in one call. */
  async afterGroupRuns(runs: readonly { readonly data: NotifyGroupJob; readonly pending: readonly PendingDelivery[]; readonly nextRunAt: Date | null }[], now = new Date()): Promise<void> {
    await this.queue.add([
      ...runs.flatMap((run) => run.pending.map((p) => this.share(deliveryJob(p), p.tenantId, run.data.severity))),
      ...runs.flatMap((run) => (run.nextRunAt ? [this.share(groupRunJob(run.data, run.nextRunAt, now), run.data.tenant_id, run.data.severity)] : [])),
    ]);
  }

  /**
   * Asks for the group runs and queues each group's planned run, whether this call planned it or
   * found it planned: the job id is the group's and the run's time, so a run already queued is
   * not queued again, and one whose planner failed to queue it (Redis away between the database
   * and the queue) is queued by the next touch, or by the outbox relay's retry.
   */
  private async scheduleGroups(tenantId: string, runs: readonly GroupRunWanted[], now: Date): Promise<void> {
    if (runs.length === 0) return;
    const touched = await this.store.touchGroups(tenantId, runs.map((r) => ({ groupKey: r.groupKey, runAt: r.runAt })));
    const dataOf = new Map(runs.map((r) => [r.groupKey, r.data]));
    const toQueue = touched.flatMap((t) => {
      const data = dataOf.get(t.groupKey);
      return data ? [{ data, at: t.at }] : [];
    });
    await this.queueGroupRuns(toQueue, now);
  }

  private async queueGroupRuns(runs: readonly { readonly data: NotifyGroupJob; readonly at: Date }[], now: Date): Promise<void> {
    await this.queue.add(runs.map(({ data, at }) => this.share(groupRunJob(data, at, now), data.tenant_id, data.severity)));
  }

  /** The job with the priority its tenant's fair share gives it (critical groups count in a lane of their own). */
  private share(job: QueuedJob, tenantId: string, severity?: string): QueuedJob {
    const priority = this.fairShare.take(severity === 'critical' ? `${tenantId}\u0000critical` : tenantId);
    return priority === undefined ? job : { ...job, priority };
  }
}

/** The job that delivers a stored notification, with its channel's retry settings. */
function deliveryJob(p: PendingDelivery): QueuedJob {
  const data = { tenant_id: p.tenantId, notification_id: p.notificationId };
  const retry = {
    attempts: numberOr(p.channelConfig['max_attempts'], DELIVERY_DEFAULTS.max_attempts),
    backoffMs: numberOr(p.channelConfig['backoff_ms'], DELIVERY_DEFAULTS.backoff_ms),
  };
  return { name: JOBS.deliverNotification, data, id: deliverNotificationJobId(data), retry };
}

/** The run of a group the database plans at `at`: its id is the group's and the time's, so it is queued once. */
function groupRunJob(data: NotifyGroupJob, at: Date, now: Date): QueuedJob {
  return { name: JOBS.notifyGroup, data, id: notifyGroupJobId(data, at), delayMs: at.getTime() - now.getTime() };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
