import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from '@kanshi/config';
import { QueueModule } from '@kanshi/queue';
import { MetricsModule } from '@kanshi/runtime';
import { AlertFollowUps } from './alert-follow-ups.service';
import { AlertMetricsModule, AlertWorkerMetrics } from './alert-metrics';
import { ChannelSender } from './channels/channel-sender';
import { AlertClockJobHandler } from './jobs/alert-clock.job';
import { ClearAlertJobHandler } from './jobs/clear-alert.job';
import { DeliverNotificationJobHandler } from './jobs/deliver-notification.job';
import { EscalateAlertJobHandler } from './jobs/escalate-alert.job';
import { ExpireSilenceJobHandler } from './jobs/expire-silence.job';
import { NotifyGroupJobHandler } from './jobs/notify-group.job';
import { RemindSilenceJobHandler } from './jobs/remind-silence.job';
import { NotificationRecovery } from './notification-recovery.service';
import { NotificationRuns } from './notification-runs.service';
import { OutboxRelay } from './outbox-relay.service';
import { AlertRaiser, RaiseAlertJobHandler, RaiseAlertSetJobHandler } from './jobs/raise-alert.job';
import { QuotaCounter } from './quotas/quota-counter';
import { OutboundGuard } from './outbound/outbound-guard';

/** The guard every outbound connection passes, from `KANSHI_OUTBOUND_ALLOWLIST`; tests replace it to inject a resolver. */
export const OUTBOUND_GUARD = { provide: OutboundGuard, inject: [AppConfig], useFactory: (config: AppConfig) => OutboundGuard.fromConfig(config) };

/** The alert worker's side of alerts: every job handler, the follow-ups, the outbox relay, the channels. Its HTTP endpoints are `@kanshi/alerting-api`. */
@Module({})
export class AlertingModule {
  /** For the alert worker: every job handler and the BullMQ workers that run them. */
  static forWorker(): DynamicModule {
    return {
      module: AlertingModule,
      imports: [QueueModule.forWorker(), MetricsModule, AlertMetricsModule],
      providers: [
        AlertWorkerMetrics,
        AlertFollowUps,
        OUTBOUND_GUARD,
        ChannelSender,
        AlertRaiser,
        RaiseAlertJobHandler,
        RaiseAlertSetJobHandler,
        ClearAlertJobHandler,
        NotifyGroupJobHandler,
        DeliverNotificationJobHandler,
        EscalateAlertJobHandler,
        AlertClockJobHandler,
        RemindSilenceJobHandler,
        ExpireSilenceJobHandler,
        NotificationRecovery,
        NotificationRuns,
        OutboxRelay,
        QuotaCounter,
      ],
    };
  }
}
