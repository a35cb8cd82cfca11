// The contract's own types, so a producer needs one import; the shapes live in @kanshi/contracts only.
export type {
  DeadLetterReason,
  EventType,
  TelemetryEvent,
  TelemetryPayloadMap,
  TypedTelemetryEvent,
  ValidationIssue,
} from '@kanshi/contracts';
export { EVENT_TYPES, parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, TELEMETRY_SCHEMA_VERSION, TOPICS, telemetryKey, type IngestCredential } from '@kanshi/contracts';
export { backoffDelay, DEFAULT_RETRY, parseRetryAfter, systemClock, type Clock, type RetryOptions } from './backoff';
export {
  ClientClosedError,
  errorMessage,
  QueueFullError,
  RetryableTransportError,
  TelemetryValidationError,
  TerminalTransportError,
} from './errors';
export {
  assertValidEvent,
  buildEvent,
  eventBuilders,
  telemetryEvents,
  type BuilderFields,
  type DefaultedEnvelopeField,
  type EventBuilders,
  type EventEnvelope,
  type EventIdentity,
  type EventInput,
} from './event-builders';
export { GatewayTransport, telemetryEndpoint, type GatewayTransportOptions } from './http-transport';
export { kafkaSecurityFromEnv, type KafkaSecurity } from './kafka-security';
export { RateLimiter } from './cli/rate-limiter';
export { isRetriableKafkaError, KafkaTransport, type KafkaLogLevel, type KafkaSaslMechanism, type KafkaSaslOptions, type KafkaTransportOptions } from './kafka-transport';
export { DEFAULT_SHUTDOWN_SIGNALS, flushOnShutdown, type ShutdownHookOptions, type SignalTarget } from './shutdown-hook';
export {
  DEFAULT_BATCH,
  TelemetryClient,
  type BatchOptions,
  type ClientLogger,
  type ClientStats,
  type CommonClientOptions,
  type DeliveryCounts,
  type DeliveryReport,
  type RetryNotice,
  type TelemetryClientOptions,
} from './telemetry-client';
export type { EventOutcome, OutgoingEvent, TelemetryTransport } from './transport';
