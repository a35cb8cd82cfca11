import { Injectable, Module } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { ALERT_COMMANDS, type AlertCommandKind } from '@kanshi/alerting-core';
import { SEVERITIES, TENANT_QUOTAS, type Severity } from '@kanshi/contracts';
import { MetricsModule } from '@kanshi/runtime';
import { CHANNEL_KINDS } from './channels/channel-config';

/**
 * Alerts created and changed, counted once the change is committed, in the alert worker (new
 * findings, clears, silences, group runs) and in the API (people's commands, new silences).
 * Labels are the severities and the state machine's commands: bounded.
 */
@Injectable()
export class AlertMetrics {
  private readonly created: Counter<'severity'>;
  private readonly transitions: Counter<'transition'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.created = new Counter({ name: 'kanshi_alerts_created_total', help: 'Alerts created, by the severity they were created at.', labelNames: ['severity'], registers });
    this.transitions = new Counter({
      name: 'kanshi_alert_transitions_total',
      help:
        'Changes of alerts committed, one per alert, by the state machine command that made them: acknowledge, assign, comment, resolve, reopen, record-report (people, in the api); ' +
        'silence (a silence in force), unsilence (its end), auto-resolve (a rule judged the condition clear), reopen (also a new finding on a resolved alert).',
      labelNames: ['transition'],
      registers,
    });
    // Every value shows from the start, at 0, so a rate over it is defined.
    for (const severity of SEVERITIES) this.created.inc({ severity }, 0);
    for (const transition of ALERT_COMMANDS) this.transitions.inc({ transition }, 0);
  }

  alertsCreated(severity: Severity, count = 1): void {
    if (count > 0) this.created.inc({ severity }, count);
  }

  transitioned(command: AlertCommandKind, count = 1): void {
    if (count > 0) this.transitions.inc({ transition: command }, count);
  }
}

/** Provides {@link AlertMetrics} once per app, for the worker's modules and the API's alike (a name registered twice would throw). */
@Module({ imports: [MetricsModule], providers: [AlertMetrics], exports: [AlertMetrics] })
export class AlertMetricsModule {}

/** The quotas the alert worker applies (the engine applies the others, and counts them itself). */
export type WorkerQuota = typeof TENANT_QUOTAS.alertCreations | typeof TENANT_QUOTAS.notifications;

/** The alert worker's own counters: delivery attempts by channel kind, and work a tenant quota held back. */
@Injectable()
export class AlertWorkerMetrics {
  private readonly notifications: Counter<'channel' | 'outcome'>;
  private readonly quotaHolds: Counter<'quota'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.notifications = new Counter({
      name: 'kanshi_notifications_total',
      help: 'Notification delivery attempts, by channel kind and outcome: each attempt counts (a notification retried 3 times before it is delivered counts 2 failed, 1 delivered).',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    // Not the engine's kanshi_quota_holds_total: nothing is refused here, the work waits.
    this.quotaHolds = new Counter({
      name: 'kanshi_quota_holds_total',
      help: 'Work held back for the next minute because its tenant was over a quota, by quota: new alerts (alert-creations-per-minute) and delivery runs (notifications-per-minute; a notification held again the next minute counts again).',
      labelNames: ['quota'],
      registers,
    });
    for (const channel of CHANNEL_KINDS) for (const outcome of ['delivered', 'failed']) this.notifications.inc({ channel, outcome }, 0);
    for (const quota of [TENANT_QUOTAS.alertCreations, TENANT_QUOTAS.notifications]) this.quotaHolds.inc({ quota }, 0);
  }

  /** One delivery attempt's outcome; a channel of a kind Kanshi does not know (the table allows none) is not counted. */
  deliveryAttempted(channel: string, delivered: boolean): void {
    if (!(CHANNEL_KINDS as readonly string[]).includes(channel)) return;
    this.notifications.inc({ channel, outcome: delivered ? 'delivered' : 'failed' });
  }

  quotaHeld(quota: WorkerQuota, count = 1): void {
    if (count > 0) this.quotaHolds.inc({ quota }, count);
  }
}
