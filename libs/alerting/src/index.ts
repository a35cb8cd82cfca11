export { AlertingModule, OUTBOUND_GUARD } from './alerting.module';
export { AlertFollowUps } from './alert-follow-ups.service';
export { AlertMetrics, AlertMetricsModule, AlertWorkerMetrics, type WorkerQuota } from './alert-metrics';
export { toNotificationMessage } from './jobs/deliver-notification.job';
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
export { QuotaCounter } from './quotas/quota-counter';
export { OutboundGuard, type ResolvedAddress } from './outbound/outbound-guard';
export { OutboundPolicy } from './outbound/outbound-policy';
