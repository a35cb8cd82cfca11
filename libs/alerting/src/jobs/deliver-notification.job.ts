import { Injectable, Logger } from '@nestjs/common';
import { Value } from '@sinclair/typebox/value';
import { JOBS, type DeliverNotificationJob } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { NotificationRepository, type AttemptRecord, type DeliveryTarget } from '@kanshi/persistence';
import { Batcher, logEntry } from '@kanshi/runtime';
import { AlertWorkerMetrics } from '../alert-metrics';
import { CHANNEL_CONFIG_SCHEMAS, CHANNEL_KINDS, type ChannelKind, type ChannelTarget } from '../channels/channel-config';
import { ChannelSender } from '../channels/channel-sender';
import type { DeliveryOutcome, NotificationKind, NotificationMessage } from '../channels/notification-message';
import { AlertQueue, HoldJobUntil, JobHandler, type JobContext, type JobHandlerOf } from '@kanshi/queue';
import { QuotaCounter } from '../quotas/quota-counter';
import { minuteOf, QUOTA_VARIABLES, quotaAlertJob, TENANT_QUOTAS } from '@kanshi/contracts';

/**
 * Payload: {@link DeliverNotificationJob}. One attempt to send a stored notification. Each
 * attempt is recorded; a failure is retried by the queue (exponential backoff with jitter) until
 * the channel's `max_attempts`, and a failure no retry can mend stops at once. Either way the
 * notification ends `failed`, visible in the API, and the worker goes on. Each attempt counts
 * against the tenant's notifications per minute: over it, the attempt waits for the next minute
 * and the tenant's quota alert is raised.
 *
 * Deliveries that run at once share their statements: their targets are read together, and
 * their attempts recorded together (see {@link Batcher}); each request is sent on its own, so a
 * slow receiver delays only its own deliveries.
 */
@Injectable()
@JobHandler(JOBS.deliverNotification)
export class DeliverNotificationJobHandler implements JobHandlerOf<typeof JOBS.deliverNotification> {
  private readonly logger = new Logger(DeliverNotificationJobHandler.name);
  private readonly targets: Batcher<{ readonly notificationId: string; readonly tenantId: string }, { readonly target: DeliveryTarget | null; readonly withinQuota: boolean }>;
  private readonly attempts: Batcher<AttemptRecord, undefined>;

  constructor(
    private readonly store: NotificationRepository,
    private readonly sender: ChannelSender,
    private readonly config: AppConfig,
    private readonly quotas: QuotaCounter,
    private readonly queue: AlertQueue,
    private readonly metrics: AlertWorkerMetrics,
  ) {
    this.targets = new Batcher((asked) => this.targetsWithinQuota(asked), DELIVERY_BATCHES);
    this.attempts = new Batcher(async (records) => {
      await this.store.recordAttempts(records);
      return records.map(() => undefined);
    }, DELIVERY_BATCHES);
  }

  async handle(job: DeliverNotificationJob, context: JobContext): Promise<void> {
    const { target, withinQuota } = await this.targets.submit({ notificationId: job.notification_id, tenantId: job.tenant_id });
    if (!target || target.notification.status !== 'pending') return;
    if (!withinQuota) {
      const limit = this.config.values.notificationsPerMinuteQuota;
      const windowStart = minuteOf(Date.now());
      const quota = TENANT_QUOTAS.notifications;
      this.metrics.quotaHeld(quota);
      await this.queue.enqueue([quotaAlertJob({ tenantId: job.tenant_id, quota, limit, windowStart, variable: QUOTA_VARIABLES[quota], action: 'held back' })]);
      throw new HoldJobUntil(windowStart + 60_000, `tenant ${job.tenant_id} is over its ${quota} quota (${limit}); notification ${job.notification_id} waits for the next minute`);
    }
    const channel = toChannelTarget(target);
    if (target.channel.sealError) this.logger.error(logEntry(`channel "${target.channel.name}" (${target.channel.id}): ${target.channel.sealError}`, { tenant: job.tenant_id, job: context.jobId }));
    const outcome: DeliveryOutcome =
      typeof channel === 'string'
        ? // A secret that does not open may once the operator sets its key: retried, not failed at once.
          { ok: false, permanent: target.channel.sealError === null, httpStatus: null, error: channel, durationMs: 0 }
        : await this.sender.send(toNotificationMessage(target, this.config.values.publicUrl), channel);
    const final = !outcome.ok && (outcome.permanent || context.attempt >= context.maxAttempts);
    this.metrics.deliveryAttempted(target.channel.kind, outcome.ok);
    await this.attempts.submit({ notificationId: job.notification_id, tenantId: job.tenant_id, attempt: context.attempt, outcome, final });
    const about = `notification ${job.notification_id} (${target.notification.kind}) to ${target.channel.kind} channel "${target.channel.name}"`;
    if (outcome.ok) {
      this.logger.log(logEntry(`${about} delivered on attempt ${context.attempt}`, { tenant: job.tenant_id, job: context.jobId }));
      return;
    }
    if (final) {
      this.logger.error(logEntry(`${about} failed for good after ${context.attempt} attempt(s): ${outcome.error ?? 'unknown error'}`, { tenant: job.tenant_id, job: context.jobId }));
      return;
    }
    throw new Error(`${about}: attempt ${context.attempt} of ${context.maxAttempts} failed: ${outcome.error ?? 'unknown error'}`);
  }

  /**
   * The targets of deliveries running at once, read together, and whether each attempt fits in
   * its tenant's notifications per minute: one count per tenant for its pending ones (the
   * attempts that do not fit are counted too, as a refused one is).
   */
  private async targetsWithinQuota(asked: readonly { readonly notificationId: string; readonly tenantId: string }[]) {
    const targets = await this.store.deliveryTargets(asked.map((a) => a.notificationId));
    const limit = this.config.values.notificationsPerMinuteQuota;
    const now = Date.now();
    const attempting = new Map<string, number[]>();
    asked.forEach((a, i) => {
      if (targets[i]?.notification.status !== 'pending') return;
      const indexes = attempting.get(a.tenantId);
      if (indexes) indexes.push(i);
      else attempting.set(a.tenantId, [i]);
    });
    const within = new Set<number>();
    for (const [tenantId, indexes] of attempting) {
      const fit = await this.quotas.takeUpTo(tenantId, TENANT_QUOTAS.notifications, limit, indexes.length, now);
      for (const i of indexes.slice(0, fit)) within.add(i);
    }
    return asked.map((_, i) => ({ target: targets[i] ?? null, withinQuota: within.has(i) }));
  }
}

/** Reads and writes of deliveries running at once: up to 64 in a statement, two statements of each at a time. */
const DELIVERY_BATCHES = { maxBatch: 64, maxInFlight: 1 };

/** The channel as a sender needs it, or why it cannot be used. */
function toChannelTarget(target: DeliveryTarget): ChannelTarget | string {
  const { channel } = target;
  if (!channel.usable) return `channel "${channel.name}" was deleted or disabled`;
  if (channel.sealError) return `the sealed secret of channel "${channel.name}" does not open with the worker's keys; an operator must set the key it was sealed with (see the worker's log)`;
  if (!(CHANNEL_KINDS as readonly string[]).includes(channel.kind)) return `channel kind "${channel.kind}" is unknown`;
  const kind = channel.kind as ChannelKind;
  const config = Value.Default(CHANNEL_CONFIG_SCHEMAS[kind], Value.Clone(channel.config));
  if (!Value.Check(CHANNEL_CONFIG_SCHEMAS[kind], config)) return `channel "${channel.name}" has an invalid configuration; update it through the API`;
  if (kind !== 'email' && !channel.secret) return `${kind} channel "${channel.name}" has no secret; set it through the API`;
  // The schema checked the config of this kind; the union cannot see that through `kind`.
  return { kind, config, secret: channel.secret } as ChannelTarget;
}

/** What the notification says, whatever the channel. */
export function toNotificationMessage(target: DeliveryTarget, publicUrl: string): NotificationMessage {
  const { notification, silence } = target;
  const repeats = new Set(notification.repeatAlertIds);
  return {
    id: notification.id,
    tenant_id: notification.tenantId,
    kind: notification.kind as NotificationKind,
    level: notification.level,
    created_at: notification.createdAt.toISOString(),
    alerts: target.alerts.map((a) => ({
      id: a.id,
      url: `${publicUrl}/alerts/${a.id}`,
      status: a.status,
      severity: a.severity,
      rule_id: a.ruleId,
      title: a.title,
      source: a.source,
      sector: a.sector,
      model_id: a.modelId,
      scope: a.scope,
      observed: a.observed,
      args: a.args,
      occurrence_count: a.occurrenceCount,
      first_seen_at: a.firstSeenAt.toISOString(),
      last_seen_at: a.lastSeenAt.toISOString(),
      due_at: a.dueAt ? a.dueAt.toISOString() : null,
      escalation_level: a.escalationLevel,
      assignee: a.assignee,
      repeat: repeats.has(a.id),
    })),
    silence: silence
      ? {
          id: silence.id,
          reason: silence.reason,
          ends_at: silence.endsAt.toISOString(),
          created_by: silence.createdByName ?? silence.createdBy,
          matchers: { severities: silence.severities, sectors: silence.sectors, model_ids: silence.modelIds, rule_ids: silence.ruleIds },
        }
      : null,
  };
}
