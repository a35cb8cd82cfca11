export {
  createKafkaClient,
  kafkaClientOptions,
  kafkaConnectionOf,
  kafkaHealthCheck,
  PATIENT_RETRY,
  REQUEST_PATH_RETRY,
  type KafkaConnection,
} from './kafka-client';
export { murmur2, TELEMETRY_PARTITIONER, telemetryPartition } from './murmur2';
export {
  heartbeatIntervalMs,
  KAFKA_ASSIGNMENT_PATTERN,
  KafkaBatchServer,
  type BatchRecord,
  type KafkaAssignment,
  type KafkaBatch,
  type KafkaBatchServerOptions,
} from './kafka-batch.server';
export { batchFailure } from './batch-retry';
export { KAFKA_CLIENT, KafkaProducer, KafkaSendTimeoutError, PRODUCE_REQUEST_BYTES, requestChunks, type OutgoingRecord } from './kafka-producer.service';
export { aclEntries, DLQ_TOOL_GROUP_PREFIX, ensureAcls, KAFKA_PRINCIPALS, kanshiAclPlan, type AclGrant } from './kafka-acls';
export { ensureTopics, kanshiTopics, type TopicPlan } from './kafka-topics';
export { MessagingModule } from './messaging.module';
export { TopicLogEnds } from './topic-log-ends';
export { runBoundedRead, type BoundedRead } from './bounded-read';
export { readRecordsAt, type RecordAt, type RecordsAt, type WantedOffsets } from './read-offsets';
