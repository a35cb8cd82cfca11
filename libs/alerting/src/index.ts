export { AlertingModule } from './alerting.module';
export { AlertsController, toAlertView } from './http/alerts.controller';
export { AlertFollowUps } from './alert-follow-ups.service';
export {
  ALERTING_SETTINGS_PATCH_SCHEMA,
  ALERTING_SETTINGS_SCHEMA,
  DEFAULT_ALERTING_SETTINGS,
  mergeAlertingSettings,
  settingMs,
  type AlertingSettings,
  type AlertingSettingsPatch,
} from './alerting-settings';
export { toNotificationMessage } from './jobs/deliver-notification.job';
export { ChannelsController, toChannelView } from './http/channels.controller';
export { RoutesController, toRouteView } from './http/routes.controller';
export { SilencesController, toSilenceView } from './http/silences.controller';
export { AlertingSettingsController } from './http/alerting-settings.controller';
export {
  CHANNEL_CONFIG_SCHEMAS,
  CHANNEL_KINDS,
  CHANNEL_SECRET_DESCRIPTIONS,
  type ChannelKind,
  type ChannelTarget,
  type DeliverySettings,
  type EmailConfig,
  type SlackConfig,
  type WebhookConfig,
} from './channels/channel-config';
export {
  NOTIFICATION_KINDS,
  type AlertSummary,
  type DeliveryOutcome,
  type NotificationKind,
  type NotificationMessage,
  type SilenceSummary,
} from './channels/notification-message';
export { ChannelSender } from './channels/channel-sender';
export { SIGNATURE_HEADER, signPayload, verifySignature } from './channels/signature';
export { emailContent, slackPayload, webhookBody, type EmailContent, type SlackPayload } from './channels/render';
export { alertingOpenApiSchemas } from './http/alerting-openapi';
export { QuotaCounter } from './quotas/quota-counter';
