import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@kanshi/auth';
import { AppConfig } from '@kanshi/config';
import { QueueModule } from '@kanshi/queue';
import { AlertingSettingsController } from './http/alerting-settings.controller';
import { AlertsController } from './http/alerts.controller';
import { ChannelsController } from './http/channels.controller';
import { RoutesController } from './http/routes.controller';
import { SilencesController } from './http/silences.controller';
import { AlertFollowUps } from './alert-follow-ups.service';
import { ChannelSender } from './channels/channel-sender';
import { AlertClockJobHandler } from './jobs/alert-clock.job';
import { ClearAlertJobHandler } from './jobs/clear-alert.job';
import { DeliverNotificationJobHandler } from './jobs/deliver-notification.job';
import { EscalateAlertJobHandler } from './jobs/escalate-alert.job';
import { ExpireSilenceJobHandler } from './jobs/expire-silence.job';
import { NotifyGroupJobHandler } from './jobs/notify-group.job';
import { RemindSilenceJobHandler } from './jobs/remind-silence.job';
import { NotificationRecovery } from './notification-recovery.service';
import { OutboxRelay } from './outbox-relay.service';
import { AlertRaiser, RaiseAlertJobHandler, RaiseAlertSetJobHandler } from './jobs/raise-alert.job';
import { QuotaCounter } from './quotas/quota-counter';
import { OutboundGuard } from './outbound/outbound-guard';

/** The guard every outbound connection passes, from `KANSHI_OUTBOUND_ALLOWLIST`; tests replace it to inject a resolver. */
const OUTBOUND_GUARD = { provide: OutboundGuard, inject: [AppConfig], useFactory: (config: AppConfig) => OutboundGuard.fromConfig(config) };

/** The alert side: its HTTP endpoints for the API, its job handlers for the alert worker. */
@Module({})
export class AlertingModule {
  /** For the API: the alert endpoints and the notification configuration (channels, routes, silences, settings). */
  static forApi(): DynamicModule {
    return {
      module: AlertingModule,
      imports: [AuthModule, QueueModule.forProducer()],
      controllers: [AlertsController, ChannelsController, RoutesController, SilencesController, AlertingSettingsController],
      // Changes made through the API schedule their follow-ups (notification, escalation, silence end) themselves.
      providers: [AlertFollowUps, OUTBOUND_GUARD],
    };
  }

  /** For the alert worker: every job handler and the BullMQ workers that run them. */
  static forWorker(): DynamicModule {
    return {
      module: AlertingModule,
      imports: [QueueModule.forWorker()],
      providers: [
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
        OutboxRelay,
        QuotaCounter,
      ],
    };
  }
}
