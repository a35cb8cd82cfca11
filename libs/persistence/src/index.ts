export { createDataSource, dataSourceOptions, ENTITIES, MIGRATIONS } from './data-source';
export { dropDatabase, ensureDatabase, migrate, postgresHealthCheck } from './database-admin';
export { APPEND_ONLY_FUNCTION, appendOnlyTables, AppRoleError, appRoleProblems, grantAppRole, type AppRoleGrants } from './database-roles';
export { AlertEntity } from './entities/alert.entity';
export { AlertFindingEntity } from './entities/alert-finding.entity';
export { AlertHistoryEntity } from './entities/alert-history.entity';
export { ApiKeyEntity } from './entities/api-key.entity';
export { AuditLogEntity } from './entities/audit-log.entity';
export { AlertingSettingsEntity } from './entities/alerting-settings.entity';
export { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
export { NotificationChannelEntity } from './entities/notification-channel.entity';
export { NotificationGroupEntity } from './entities/notification-group.entity';
export { NotificationRouteEntity } from './entities/notification-route.entity';
export { NOTIFICATION_STATUSES, NotificationEntity, type NotificationStatus } from './entities/notification.entity';
export { SilenceEntity } from './entities/silence.entity';
export { IngestKeyEntity } from './entities/ingest-key.entity';
export { ModelEntity } from './entities/model.entity';
export { PolicyOverrideEntity } from './entities/policy-override.entity';
export { TenantEntity } from './entities/tenant.entity';
export { PersistenceModule } from './persistence.module';
export { AlertWrites } from './alert-writes';
export {
  AlertRepository,
  appendHistory,
  applyTransitions,
  InvalidCursorError,
  OCCURRENCE_BUCKETS,
  SYSTEM,
  type HistoryEntry,
  type PlannedTransition,
  type OccurrenceBucket,
  type OccurrenceBucketSize,
  type AlertActor,
  type AlertCommandResult,
  type AlertFilter,
  type OpenAlertCount,
  type RecordClearResult,
  type AlertPage,
  type RecordFindingsResult,
} from './repositories/alert.repository';
export { addToOutbox, OUTBOX_CHANNEL, OutboxRepository, type OutboxEntry, type OutboxKind, type OutboxListener } from './repositories/outbox.repository';
export { ApiKeyRepository, type ApiKeyRevokeResult, type NewApiKey } from './repositories/api-key.repository';
export { IngestKeyRepository, type NewIngestKey, type StoredIngestKey } from './repositories/ingest-key.repository';
export { AuditLogRepository, type AuditFilter, type AuditPage, type NewAuditEntry } from './repositories/audit-log.repository';
export { AlertingSettingsRepository } from './repositories/alerting-settings.repository';
export {
  ChannelRepository,
  isUniqueViolation,
  NameTakenError,
  type ChannelChanges,
  type ChannelDeleteResult,
  type ChannelRecord,
  type NewChannel,
  type ResealReport,
  type RouteRef,
} from './repositories/channel.repository';
export {
  EvidenceRepository,
  type ChainStep,
  type PendingEvidence,
  type StoredCheckpoint,
  type StoredEntry,
  type StoredHead,
} from './repositories/evidence.repository';
export { EvidenceBundleRepository, SupersededRunError, type BundleParams, type BundleRow, type BundleStatus } from './repositories/evidence-bundle.repository';
export {
  EvidenceReportRepository,
  type Listed,
  type ReportAction,
  type ReportAlertFigures,
  type ReportAlertRow,
  type ReportChange,
  type ReportScope,
  type ReportSilence,
  type ReportVerdictCount,
} from './repositories/evidence-report.repository';
export { RouteRepository, type RouteFields, type RouteWriteResult } from './repositories/route.repository';
export {
  SILENCE_STATES,
  SilenceRepository,
  silenceState,
  type NewSilence,
  type SilenceChangeResult,
  type SilencePage,
  type SilenceState,
} from './repositories/silence.repository';
export {
  NotificationRepository,
  systemTransitions,
  type AttemptOutcome,
  type AttemptRecord,
  type DeliveryTarget,
  type GroupRef,
  type NotificationSet,
  type LockedAlert,
  type NotifiableAlert,
  type NotificationRecord,
  type PendingDelivery,
  type RoutingContext,
  type Tx,
} from './repositories/notification.repository';
export { Transactions } from './repositories/transactions';
export {
  ModelRepository,
  toModelProfile,
  type DeploymentRecord,
  type ModelFields,
  type ModelPage,
  type StoredRuleOverride,
} from './repositories/model.repository';
export { PolicyOverrideRepository, type OverrideKey } from './repositories/policy-override.repository';
export { RuleStateRepository, type PartitionCheckpoint, type RuleStateWrite } from './repositories/rule-state.repository';
export { TenantRepository, type TenantSummary } from './repositories/tenant.repository';
