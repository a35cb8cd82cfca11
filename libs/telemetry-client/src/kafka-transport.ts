import type { ConnectionOptions } from 'node:tls';
import type { Producer } from 'kafkajs';
import { parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, TOPICS, type IngestCredential } from '@kanshi/contracts';
import { errorMessage, RetryableTransportError, TerminalTransportError } from './errors';
import type { EventOutcome, OutgoingEvent, TelemetryTransport } from './transport';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** SASL user and password for one mechanism. */
export type KafkaSaslOptions = {
  readonly [M in KafkaSaslMechanism]: { readonly mechanism: M; readonly username: string; readonly password: string };
}[KafkaSaslMechanism];

export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /**
   * The tenant's ingest key, `kanshi_ingest_<12 hex>_<secret>` (an admin makes one with
   * `POST /v1/ingest-keys`). Every record is signed with it; Kanshi refuses unsigned records.
   */
  readonly ingestKey: string;
  /** Topic written to (default `kanshi.telemetry.v1`); another topic is for tests and staging. */
  readonly topic?: string;
  readonly clientId?: string;
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: KafkaSaslOptions;
  /** Record batch compression (default `gzip`). */
  readonly compression?: 'gzip' | 'none';
  /** Time limit to open a connection to a broker (default 3 s). */
  readonly connectionTimeoutMs?: number;
  /** Time limit of one Kafka request (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** What the Kafka client itself logs to the console (default `error`). */
  readonly logLevel?: KafkaLogLevel;
}

const LOG_LEVELS: Readonly<Record<KafkaLogLevel, number>> = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 };

/** kafkajs errors that wrap retriable ones: its own retries ran out, or a lock or a request timed out. */
const EXHAUSTED = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);

/** Whether another attempt may succeed: kafkajs marks transient errors `retriable`. */
export function isRetriableKafkaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retriable, name } = error as { retriable?: unknown; name?: unknown };
  return retriable === true || (typeof name === 'string' && EXHAUSTED.has(name));
}

/** Loads kafkajs on first use, so that users of the gateway transport need not install it. */
async function loadKafkajs(): Promise<typeof import('kafkajs')> {
  try {
    return await import('kafkajs');
  } catch (error) {
    throw new TerminalTransportError('the Kafka transport needs the kafkajs package: npm install kafkajs@^2.2.4', undefined, { cause: error });
  }
}

/**
 * Writes batches straight to Kafka, as Kanshi's own producers do: key `tenant_id:model_id`,
 * each record signed with the tenant's ingest key (header `kanshi-signature`),
 * the Java-compatible murmur2 partitioner (kafkajs `DefaultPartitioner`, so a model's events land
 * on the partition a Java or Python producer would choose), an idempotent producer, `acks=-1`
 * (every in-sync replica) and gzip. kafkajs retries a little inside a send; the client's backoff
 * does the rest.
 */
export class KafkaTransport implements TelemetryTransport {
  readonly description: string;
  readonly topic: string;
  private producer: Promise<Producer> | undefined;
  private readonly credential: IngestCredential;

  constructor(private readonly options: KafkaTransportOptions) {
    if (options.brokers.length === 0) throw new TypeError('at least one Kafka broker is required');
    const credential = parseIngestKey(options.ingestKey ?? '');
    if (!credential) {
      throw new TypeError('ingestKey must be a Kanshi ingest key, kanshi_ingest_<12 hex>_<43 url-safe characters>; an admin creates one with POST /v1/ingest-keys');
    }
    this.credential = credential;
    this.topic = options.topic ?? TOPICS.telemetry;
    this.description = `kafka ${options.brokers.join(',')} topic ${this.topic}`;
  }

  private connect(): Promise<Producer> {
    this.producer ??= this.createProducer().catch((error: unknown) => {
      this.producer = undefined;
      throw error;
    });
    return this.producer;
  }

  private async createProducer(): Promise<Producer> {
    const { Kafka, Partitioners } = await loadKafkajs();
    const { options } = this;
    const kafka = new Kafka({
      clientId: options.clientId ?? 'kanshi-telemetry-client',
      brokers: [...options.brokers],
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } }),
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      logLevel: LOG_LEVELS[options.logLevel ?? 'error'],
      retry: { initialRetryTime: 200, retries: 3, maxRetryTime: 2000 },
    });
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, retries: 3, maxRetryTime: 2000 },
    });
    await producer.connect();
    return producer;
  }

  async send(batch: readonly OutgoingEvent[]): Promise<readonly EventOutcome[]> {
    try {
      const producer = await this.connect();
      const { CompressionTypes } = await loadKafkajs();
      await producer.send({
        topic: this.topic,
        acks: -1,
        compression: this.options.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP,
        messages: batch.map((e) => ({ key: e.key, value: e.value, headers: { [SIGNATURE_HEADER]: signTelemetryRecord(this.credential, e.key, e.value) } })),
      });
    } catch (error) {
      if (error instanceof TerminalTransportError) throw error;
      const message = `${this.description}: ${errorMessage(error)}`;
      if (isRetriableKafkaError(error)) throw new RetryableTransportError(message, undefined, { cause: error });
      // The broker refuses a record batch over its size limit: the client sends the halves.
      const tooLarge = (error as { type?: unknown }).type === 'MESSAGE_TOO_LARGE' && batch.length > 1;
      throw new TerminalTransportError(message, undefined, { cause: error, batchTooLarge: tooLarge });
    }
    return batch.map((): EventOutcome => ({ status: 'accepted' }));
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer.catch(() => undefined))?.disconnect();
  }
}
