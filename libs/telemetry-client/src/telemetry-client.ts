import { DEFAULT_MAX_EVENT_BYTES, telemetryKey, type TelemetryEvent, type ValidationIssue } from '@kanshi/contracts';
import { backoffDelay, retryOptions, systemClock, type Clock, type RetryOptions } from './backoff';
import {
  ClientClosedError,
  errorMessage,
  QueueFullError,
  RetryableTransportError,
  TelemetryValidationError,
  TerminalTransportError,
} from './errors';
import { assertValidEvent } from './event-builders';
import { GatewayTransport, type GatewayTransportOptions } from './http-transport';
import { KafkaTransport, type KafkaTransportOptions } from './kafka-transport';
import { flushOnShutdown, type SignalTarget } from './shutdown-hook';
import type { EventOutcome, OutgoingEvent, TelemetryTransport } from './transport';

/** When a batch leaves: whichever limit is reached first. */
export interface BatchOptions {
  /** Events per batch (default 500; the gateway takes up to 1000 per request by default). */
  readonly maxEvents: number;
  /** Encoded bytes per batch (default 1,000,000: under Kafka's default 1 MiB request limit). */
  readonly maxBytes: number;
  /** How long the first event of a batch waits for others (default 20 ms). */
  readonly lingerMs: number;
}

export const DEFAULT_BATCH: BatchOptions = { maxEvents: 500, maxBytes: 1_000_000, lingerMs: 20 };

/** The fate of one event. Every event sent gets exactly one. `attempts` 0: it never left (closed with `discardQueued`). */
export type DeliveryReport =
  | { readonly status: 'accepted'; readonly event: TelemetryEvent; readonly attempts: number }
  | { readonly status: 'rejected'; readonly event: TelemetryEvent; readonly attempts: number; readonly errors: readonly ValidationIssue[] }
  | { readonly status: 'failed'; readonly event: TelemetryEvent; readonly attempts: number; readonly error: Error };

export interface DeliveryCounts {
  readonly accepted: number;
  readonly rejected: number;
  readonly failed: number;
}

export interface ClientStats extends DeliveryCounts {
  /** Events queued or in flight. */
  readonly pending: number;
}

/** A batch failed and will be sent again after `delayMs`. */
export interface RetryNotice {
  readonly error: Error;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly events: number;
}

export interface ClientLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface CommonClientOptions {
  readonly batch?: Partial<BatchOptions>;
  readonly retry?: Partial<RetryOptions>;
  /** Events queued or in flight before `send()` throws `QueueFullError` (default 10,000). */
  readonly maxQueuedEvents?: number;
  /** Largest encoded event (default 256 KiB, Kanshi's own limit); larger ones are refused by `send()`. */
  readonly maxEventBytes?: number;
  /** Called with every event's fate. */
  readonly onDelivery?: (report: DeliveryReport) => void;
  /** Called before each retry; without it, retries are logged as warnings. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Where failed batches (and retries, without `onRetry`) are logged (default `console`). */
  readonly logger?: ClientLogger;
  /** Opt in to `close()` on these signals (`true`: SIGINT and SIGTERM) before the process ends. */
  readonly flushOnSignals?: boolean | readonly NodeJS.Signals[];
  /** Test seams. */
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly signalTarget?: SignalTarget;
}

export type TelemetryClientOptions = CommonClientOptions &
  (
    | { readonly kafka: KafkaTransportOptions }
    | { readonly gateway: GatewayTransportOptions }
    | { readonly transport: TelemetryTransport }
  );

interface Entry {
  readonly outgoing: OutgoingEvent;
  readonly queuedAt: number;
  readonly done: Promise<DeliveryReport>;
  readonly resolve: (report: DeliveryReport) => void;
  settled: boolean;
}

function transportOf(options: TelemetryClientOptions): TelemetryTransport {
  if ('transport' in options) return options.transport;
  if ('kafka' in options) return new KafkaTransport(options.kafka);
  return new GatewayTransport(options.gateway);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error), { cause: error });
}

function positive(name: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (integer && (!Number.isInteger(value) || value < 1))) {
    throw new RangeError(`${name} must be ${integer ? 'a whole number ≥ 1' : 'a finite number ≥ 0'}`);
  }
  return value;
}

function count(reports: readonly DeliveryReport[]): DeliveryCounts {
  const counts = { accepted: 0, rejected: 0, failed: 0 };
  for (const report of reports) counts[report.status] += 1;
  return counts;
}

/**
 * Sends telemetry events to Kanshi in batches, over Kafka or the HTTP gateway.
 *
 * `send()` checks an event against the contract at once (throwing `TelemetryValidationError`)
 * and returns a promise of its {@link DeliveryReport}: accepted, rejected by Kanshi (with the
 * contract's issues), or failed after the bounded retries. The promise never rejects. `flush()`
 * waits for everything queued; `close()` drains the queue, then disconnects.
 */
export class TelemetryClient {
  readonly transport: TelemetryTransport;
  private readonly batch: BatchOptions;
  private readonly retry: RetryOptions;
  private readonly maxQueued: number;
  private readonly maxEventBytes: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: ClientLogger;

  private queue: Entry[] = [];
  private queuedBytes = 0;
  private inFlight: readonly Entry[] = [];
  private pump: Promise<void> | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private flushers = 0;
  private closing: Promise<DeliveryCounts> | undefined;
  private capacityWaiters: (() => void)[] = [];
  private totals = { accepted: 0, rejected: 0, failed: 0 };
  private readonly removeShutdownHook: (() => void) | undefined;

  constructor(private readonly options: TelemetryClientOptions) {
    this.batch = { ...DEFAULT_BATCH, ...options.batch };
    positive('batch.maxEvents', this.batch.maxEvents, true);
    positive('batch.maxBytes', this.batch.maxBytes, true);
    positive('batch.lingerMs', this.batch.lingerMs, false);
    this.retry = retryOptions(options.retry);
    this.maxQueued = positive('maxQueuedEvents', options.maxQueuedEvents ?? 10_000, true);
    this.maxEventBytes = positive('maxEventBytes', options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, true);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? console;
    this.transport = transportOf(options);
    const signals = options.flushOnSignals;
    this.removeShutdownHook = signals
      ? flushOnShutdown(this, {
          ...(Array.isArray(signals) ? { signals } : {}),
          ...(options.signalTarget ? { target: options.signalTarget } : {}),
          onError: (error) => this.logger.error(`kanshi telemetry: close on shutdown failed: ${asError(error).message}`),
        })
      : undefined;
  }

  /** Events queued or in flight. */
  get pending(): number {
    return this.queue.length + this.inFlight.length;
  }

  /** Totals since the client was created. */
  stats(): ClientStats {
    return { ...this.totals, pending: this.pending };
  }

  /**
   * Validates and queues one event. Throws `TelemetryValidationError` (the contract's issues),
   * `QueueFullError` or `ClientClosedError` at once; otherwise the promise resolves with the
   * event's fate once its batch is settled.
   */
  send(event: TelemetryEvent): Promise<DeliveryReport> {
    if (this.closing) throw new ClientClosedError('the telemetry client is closed');
    const valid = assertValidEvent(event);
    const value = JSON.stringify(valid);
    const bytes = Buffer.byteLength(value);
    if (bytes > this.maxEventBytes) {
      throw new TelemetryValidationError('TOO_LARGE', [
        { pointer: '', rule: 'maxBytes', message: `event is ${bytes} bytes; the limit is ${this.maxEventBytes}`, expected: this.maxEventBytes },
      ]);
    }
    if (this.pending >= this.maxQueued) {
      throw new QueueFullError(`${this.pending} events are waiting (maxQueuedEvents); await waitForCapacity() before sending more`);
    }
    let resolve!: (report: DeliveryReport) => void;
    const done = new Promise<DeliveryReport>((r) => (resolve = r));
    const outgoing = { event: valid, key: telemetryKey(valid.tenant_id, valid.model_id), value, bytes };
    this.queue.push({ outgoing, queuedAt: this.clock.now(), done, resolve, settled: false });
    this.queuedBytes += bytes;
    this.schedule();
    return done;
  }

  /** Resolves when `send()` has room again (at once if it has), or when the client is closing. */
  waitForCapacity(): Promise<void> {
    if (this.pending < this.maxQueued || this.closing) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /** Sends everything queued now, without waiting for `lingerMs`, and resolves with the fates of those events. */
  async flush(): Promise<DeliveryCounts> {
    const waiting = this.pendingReports();
    if (waiting.length === 0) return { accepted: 0, rejected: 0, failed: 0 };
    this.flushers += 1;
    try {
      this.startPump();
      return count(await Promise.all(waiting));
    } finally {
      this.flushers -= 1;
    }
  }

  /**
   * Refuses new events, delivers everything queued (retries included), then disconnects.
   * Resolves with the fates of the events that were still pending. Safe to call twice.
   *
   * With `discardQueued`, events not yet in flight are reported `failed` at once instead of
   * sent (for a caller that already knows the destination is down); the batch in flight still
   * completes.
   */
  close(options: { readonly discardQueued?: boolean } = {}): Promise<DeliveryCounts> {
    this.closing ??= (async () => {
      const waiting = this.pendingReports();
      this.releaseCapacityWaiters();
      if (options.discardQueued) this.discardQueue();
      try {
        await this.flush();
        return count(await Promise.all(waiting));
      } finally {
        this.removeShutdownHook?.();
        await this.transport.close();
      }
    })();
    return this.closing;
  }

  private pendingReports(): Promise<DeliveryReport>[] {
    return [...this.inFlight, ...this.queue].map((e) => e.done);
  }

  private batchIsDue(): boolean {
    const first = this.queue[0];
    if (!first) return false;
    return (
      this.flushers > 0 ||
      this.closing !== undefined ||
      this.queue.length >= this.batch.maxEvents ||
      this.queuedBytes >= this.batch.maxBytes ||
      this.clock.now() - first.queuedAt >= this.batch.lingerMs
    );
  }

  private schedule(): void {
    if (this.pump || this.queue.length === 0) return;
    if (this.batchIsDue()) {
      this.startPump();
      return;
    }
    if (this.lingerTimer) return;
    const first = this.queue[0];
    const wait = Math.max(0, this.batch.lingerMs - (this.clock.now() - (first?.queuedAt ?? 0)));
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.startPump();
    }, wait);
  }

  private startPump(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.pump) return;
    this.pump = this.drain().finally(() => {
      this.pump = undefined;
      this.schedule();
    });
  }

  /** Sends batches one after another (order per model is kept): the first at once, then while one is due. */
  private async drain(): Promise<void> {
    for (let first = true; this.queue.length > 0 && (first || this.batchIsDue()); first = false) {
      const batch = this.takeBatch();
      this.inFlight = batch;
      try {
        await this.deliver(batch);
      } catch (thrown) {
        // Only a throwing logger or onRetry gets here; the events still get their fate.
        const error = asError(thrown);
        for (const entry of batch) this.settle(entry, { status: 'failed', event: entry.outgoing.event, attempts: 1, error });
      } finally {
        this.inFlight = [];
        this.releaseCapacityWaiters();
      }
    }
  }

  private takeBatch(): Entry[] {
    let bytes = 0;
    let size = 0;
    for (const entry of this.queue) {
      if (size >= this.batch.maxEvents || (size > 0 && bytes + entry.outgoing.bytes > this.batch.maxBytes)) break;
      bytes += entry.outgoing.bytes;
      size += 1;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, size);
  }

  private async deliver(batch: readonly Entry[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      let outcomes: readonly EventOutcome[];
      try {
        outcomes = await this.transport.send(batch.map((e) => e.outgoing));
      } catch (thrown) {
        const error = asError(thrown);
        if (error instanceof TerminalTransportError && error.batchTooLarge && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          await this.deliver(batch.slice(0, half));
          await this.deliver(batch.slice(half));
          return;
        }
        if (!(error instanceof RetryableTransportError) || attempt >= this.retry.maxAttempts) {
          const reason = error instanceof RetryableTransportError ? `gave up after ${attempt} attempts: ${error.message}` : error.message;
          const failure = new Error(reason, { cause: error });
          this.logger.error(`kanshi telemetry: ${batch.length} events not sent (${reason})`);
          for (const entry of batch) this.settle(entry, { status: 'failed', event: entry.outgoing.event, attempts: attempt, error: failure });
          return;
        }
        const delayMs = backoffDelay(attempt, this.retry, this.random, error.retryAfterMs);
        const notice = { error, attempt, delayMs, events: batch.length };
        if (this.options.onRetry) this.options.onRetry(notice);
        else this.logger.warn(`kanshi telemetry: attempt ${attempt} failed (${error.message}); retrying ${batch.length} events in ${delayMs} ms`);
        await this.clock.sleep(delayMs);
        continue;
      }
      batch.forEach((entry, index) => {
        const outcome = outcomes[index];
        const event = entry.outgoing.event;
        if (!outcome) {
          this.settle(entry, { status: 'failed', event, attempts: attempt, error: new Error(`${this.transport.description} returned no outcome for the event`) });
        } else if (outcome.status === 'accepted') {
          this.settle(entry, { status: 'accepted', event, attempts: attempt });
        } else {
          this.settle(entry, { status: 'rejected', event, attempts: attempt, errors: outcome.errors });
        }
      });
      return;
    }
  }

  private settle(entry: Entry, report: DeliveryReport): void {
    if (entry.settled) return;
    entry.settled = true;
    this.totals[report.status] += 1;
    entry.resolve(report);
    try {
      this.options.onDelivery?.(report);
    } catch (error) {
      this.logger.error(`kanshi telemetry: onDelivery threw: ${asError(error).message}`);
    }
  }

  private discardQueue(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    const discarded = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    if (discarded.length === 0) return;
    const error = new Error('not sent: the client was closed before the event left (discardQueued)');
    this.logger.error(`kanshi telemetry: ${discarded.length} queued events discarded on close`);
    for (const entry of discarded) this.settle(entry, { status: 'failed', event: entry.outgoing.event, attempts: 0, error });
  }

  private releaseCapacityWaiters(): void {
    if (this.pending >= this.maxQueued && !this.closing) return;
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const wake of waiters) wake();
  }
}
