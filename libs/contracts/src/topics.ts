/**
 * Kafka topic names. These values are persisted in brokers, consumer offsets and producers'
 * configuration outside this repository: they must never change. Version the contract
 * (`.v2`) instead of renaming.
 */
export const TOPICS = {
  /** Model telemetry, keyed `tenant:model`. */
  telemetry: 'kanshi.telemetry.v1',
  /** Records the policy engine could not use, with the reason in headers. */
  telemetryDeadLetter: 'kanshi.telemetry.dlq.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * On a telemetry record the engine moved to the partition its `tenant:model` belongs to (a
 * producer's partitioner put it elsewhere): `<partition>/<offset>` it was read from. Persisted on
 * records: never rename.
 */
export const REPARTITIONED_FROM_HEADER = 'kanshi-repartitioned-from';

/** Kafka record key for telemetry: all events of one model land on one partition, in order. */
export function telemetryKey(tenantId: string, modelId: string): string {
  return `${tenantId}:${modelId}`;
}

/**
 * Header names on dead-letter records. Persisted with every DLQ record: never rename.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'kanshi-dlq-reason',
  error: 'kanshi-dlq-error',
  originalTopic: 'kanshi-dlq-original-topic',
  originalPartition: 'kanshi-dlq-original-partition',
  originalOffset: 'kanshi-dlq-original-offset',
  failedAt: 'kanshi-dlq-failed-at',
  /**
   * On a dead letter whose value was too large to keep whole (reason `TOO_LARGE`): the original
   * size in bytes. The value holds only the start of the record, enough to see what it was.
   */
  truncatedFrom: 'kanshi-dlq-truncated-from',
  /** Consumer group of the engine that dead-lettered the record. */
  consumerGroup: 'kanshi-dlq-consumer-group',
  /** On a telemetry record replayed from the DLQ: `<dlq topic>/<partition>/<offset>` it came from. */
  replayedFrom: 'kanshi-replayed-from',
} as const;

/** Why a record went to the dead-letter topic. Persisted in DLQ headers: never rename a code. */
export const DEAD_LETTER_REASONS = [
  'NOT_JSON',
  'SCHEMA_INVALID',
  'UNSUPPORTED_VERSION',
  'TOO_LARGE',
  'TENANT_MISMATCH',
  'UNKNOWN_TENANT',
  /**
   * The record carries no valid `kanshi-signature` from an ingest key of the tenant it names
   * (unsigned, a bad MAC, an unknown or revoked key, or another tenant's key).
   */
  'UNAUTHENTICATED',
  /**
   * The tenant went over a quota (events per minute, or new models outside the inventory per
   * day) on the engine instance that read the record; not evaluated, kept for a replay.
   */
  'QUOTA_EXCEEDED',
  /** Kanshi itself failed on the record (a bug); the record is kept so it can be replayed. */
  'PROCESSING_FAILED',
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];
