import { Module } from '@nestjs/common';
import { AlertMetricsModule, OUTBOUND_GUARD } from '@kanshi/alerting';
import { AuthModule } from '@kanshi/auth';
import { AlertingSettingsController } from './alerting-settings.controller';
import { AlertsController } from './alerts.controller';
import { ChannelsController } from './channels.controller';
import { RoutesController } from './routes.controller';
import { SilencesController } from './silences.controller';

/**
 * The API's side of alerts: the alert lifecycle and the notification configuration (channels,
 * routes, silences, settings) over HTTP. Every change commits with its outbox entry; the alert
 * worker schedules what follows, so the API never talks to the queues.
 */
@Module({
  // The alert metrics count people's commands and new silences once committed.
  imports: [AuthModule, AlertMetricsModule],
  controllers: [AlertsController, ChannelsController, RoutesController, SilencesController, AlertingSettingsController],
  // Channels are checked against the outbound policy when they are saved.
  providers: [OUTBOUND_GUARD],
})
export class AlertingApiModule {}
