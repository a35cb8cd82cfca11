import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '@kanshi/auth';
import { AppConfig } from '@kanshi/config';
import { AlertQueue } from './alert-queue.service';
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
import { QueueWorkerHost } from './queue-worker.host';
import { QuotaCounter } from './quotas/quota-counter';
import { OutboundGuard } from './outbound/outbound-guard';

/** The guard every outbound connection passes, from `KANSHI_OUTBOUND_ALLOWLIST`; tests replace it to inject a resolver. */
const OUTBOUND_GUARD = { provide: OutboundGuard, inject: [AppConfig], useFactory: (config: AppConfig) => OutboundGuard.fromConfig(config) };

/** The alert queues: the producer side for the engine, the workers for the alert worker. */
@Module({})
export class AlertingModule {
  /** For apps that raise alerts (the policy engine). */
  static forProducer(): DynamicModule {
    return { module: AlertingModule, providers: [AlertQueue], exports: [AlertQueue] };
  }

  /** For the API: the alert endpoints and the notification configuration (channels, routes, silences, settings). */
  static forApi(): DynamicModule {
    return {
      module: AlertingModule,
      imports: [AuthModule],
      controllers: [AlertsController, ChannelsController, RoutesController, SilencesController, AlertingSettingsController],
      // Changes made through the API schedule their follow-ups (notification, escalation, silence end) themselves.
      providers: [AlertFollowUps, OUTBOUND_GUARD],
    };
  }

  /** For the alert worker: every job handler and the BullMQ workers that run them. */
  static forWorker(): DynamicModule {
    return {
      module: AlertingModule,
      imports: [DiscoveryModule],
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
        QueueWorkerHost,
        QuotaCounter,
        // The worker raises tenants' quota alerts on the alerts queue it works.
        AlertQueue,
      ],
    };
  }
}
