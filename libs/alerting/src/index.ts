export { AlertQueue, cappedBackoff, planRaiseSets, RAISE_ALERT_JOB_OPTIONS } from './alert-queue.service';
export { AlertingModule } from './alerting.module';
export { JobHandler, type JobHandlerOf } from './job-handler.decorator';
export { JobHandlerError, processJob, QueueWorkerHost } from './queue-worker.host';
export { assertNoEviction, createRedisConnection, redisHealthCheck } from './redis-connection';
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
export type { JobContext } from './job-handler.decorator';
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
export { HoldJobUntil, QuotaCounter } from './quotas/quota-counter';
export {
  dayOf,
  minuteOf,
  QUOTA_RULE_ID,
  QUOTA_VARIABLES,
  quotaAlertJob,
  TENANT_ALERT_MODEL,
  TENANT_QUOTAS,
  type QuotaBreach,
  type TenantQuotaName,
} from './quotas/tenant-quota';
