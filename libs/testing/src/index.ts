export { committedOffsets, groupCaughtUp, groupOwners, startGroupAtEnd, topicMaxMessageBytes } from './kafka-fixture';
export { tapDeadLetters, type DeadLetterTap, type TappedDeadLetter } from './dead-letter-tap';
export { createIngestKey, ingestKeyId, signedMessage } from './signed-telemetry';
export { telemetryEvent } from './telemetry-factory';
export { createTenantFixture, type TenantFixture } from './tenant-fixture';
export { uniqueId, waitFor } from './wait-for';
export { alertTally, expectedTally, waitForAlertTally, type AlertTally } from './alert-tally';
export { findingRecord, g1Fingerprint, raiseAlertJob } from './alert-factory';
export {
  fuzzSeed,
  INVALID_EVENT_KINDS,
  MALFORMED_RECORD_KINDS,
  SeededRandom,
  TelemetryFuzzer,
  type InvalidEvent,
  type InvalidEventKind,
  type MalformedRecord,
  type MalformedRecordKind,
  type TelemetryFuzzerOptions,
} from './telemetry-fuzzer';
export { createTopic, deleteTopics, readTopic, recordCount, type ReadRecord } from './topic-reader';
export { TcpFaultProxy, type CutMode, type TcpFaultProxyOptions } from './tcp-fault-proxy';
export { deleteQueueKeys } from './queue-keys';
export { seedMonthOfHistory, type SeededHistory } from './month-of-history';
