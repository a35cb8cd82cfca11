import type { TelemetryEvent, ValidationIssue } from '@kanshi/contracts';

/** One validated event ready to leave: its Kafka key and its JSON, encoded once. */
export interface OutgoingEvent {
  readonly event: TelemetryEvent;
  /** `tenant_id:model_id` (the contract's `telemetryKey`). */
  readonly key: string;
  readonly value: string;
  /** UTF-8 size of `value`. */
  readonly bytes: number;
}

/** What the receiving side said about one event of a batch. */
export type EventOutcome =
  | { readonly status: 'accepted' }
  | { readonly status: 'rejected'; readonly errors: readonly ValidationIssue[] };

/**
 * Carries batches to Kanshi. `send` resolves with one outcome per event, in order, or throws
 * `RetryableTransportError` (the client backs off and sends the batch again) or any other
 * error (the batch fails for good and every event in it is reported as failed).
 */
export interface TelemetryTransport {
  /** Where the events go, for messages: `kafka 127.0.0.1:9092`, `gateway http://…`. */
  readonly description: string;
  send(batch: readonly OutgoingEvent[]): Promise<readonly EventOutcome[]>;
  /** Releases connections. Called once, after the client's queue is drained. */
  close(): Promise<void>;
}
