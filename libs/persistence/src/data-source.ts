import { DataSource, type DataSourceOptions } from 'typeorm';
import { AlertFindingEntity } from './entities/alert-finding.entity';
import { AlertEntity } from './entities/alert.entity';
import { AlertHistoryEntity } from './entities/alert-history.entity';
import { AlertingSettingsEntity } from './entities/alerting-settings.entity';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { NotificationChannelEntity } from './entities/notification-channel.entity';
import { NotificationGroupEntity } from './entities/notification-group.entity';
import { NotificationRouteEntity } from './entities/notification-route.entity';
import { NotificationEntity } from './entities/notification.entity';
import { SilenceEntity } from './entities/silence.entity';
import { ApiKeyEntity } from './entities/api-key.entity';
import { AuditLogEntity } from './entities/audit-log.entity';
import { IngestKeyEntity } from './entities/ingest-key.entity';
import { ModelEntity } from './entities/model.entity';
import { PolicyOverrideEntity } from './entities/policy-override.entity';
import { TenantEntity } from './entities/tenant.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { ModelInventoryAndRuleState1764100000000 } from './migrations/1764100000000-model-inventory-and-rule-state';
import { ModelRetirementAndPolicyOverrides1764200000000 } from './migrations/1764200000000-model-retirement-and-policy-overrides';
import { AlertLifecycle1764300000000 } from './migrations/1764300000000-alert-lifecycle';
import { Notifications1764400000000 } from './migrations/1764400000000-notifications';
import { AuditLog1764500000000 } from './migrations/1764500000000-audit-log';
import { ModelTelemetrySeen1764600000000 } from './migrations/1764600000000-model-telemetry-seen';
import { AlertingFloorsAndStatusLines1765100000000 } from './migrations/1765100000000-alerting-floors-and-status-lines';
import { RuleStateLimits1765300000000 } from './migrations/1765300000000-rule-state-limits';
import { IngestKeys1765400000000 } from './migrations/1765400000000-ingest-keys';
import { AlertOutbox1765500000000 } from './migrations/1765500000000-alert-outbox';
import { AlertReports1765600000000 } from './migrations/1765600000000-alert-reports';
import { RepartitionMarks1765400000001 } from './migrations/1765400000001-repartition-marks';
import { RuleVerdicts1765700000000 } from './migrations/1765700000000-rule-verdicts';
import { EvidenceLedger1765800000000 } from './migrations/1765800000000-evidence-ledger';
import { EvidenceBundles1765900000000 } from './migrations/1765900000000-evidence-bundles';
import { LighterEvidenceCapture1765900000001 } from './migrations/1765900000001-lighter-evidence-capture';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  ModelEntity,
  AlertEntity,
  AlertFindingEntity,
  AlertHistoryEntity,
  PolicyOverrideEntity,
  NotificationChannelEntity,
  NotificationRouteEntity,
  SilenceEntity,
  NotificationEntity,
  DeliveryAttemptEntity,
  AlertingSettingsEntity,
  NotificationGroupEntity,
  AuditLogEntity,
  IngestKeyEntity,
];

/** Every migration, oldest first. Never edit one that has been merged; add a new one. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  ModelInventoryAndRuleState1764100000000,
  ModelRetirementAndPolicyOverrides1764200000000,
  AlertLifecycle1764300000000,
  Notifications1764400000000,
  AuditLog1764500000000,
  ModelTelemetrySeen1764600000000,
  AlertingFloorsAndStatusLines1765100000000,
  RuleStateLimits1765300000000,
  IngestKeys1765400000000,
  RepartitionMarks1765400000001,
  AlertOutbox1765500000000,
  AlertReports1765600000000,
  RuleVerdicts1765700000000,
  EvidenceLedger1765800000000,
  EvidenceBundles1765900000000,
  LighterEvidenceCapture1765900000001,
];

/** Options for Kanshi's database; the schema comes from migrations only, never `synchronize`. */
export function dataSourceOptions(url: string, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName,
    extra: { max: 10 },
  };
}

export function createDataSource(url: string, applicationName: string): DataSource {
  return new DataSource(dataSourceOptions(url, applicationName));
}
