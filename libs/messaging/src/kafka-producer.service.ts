import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CompressionTypes, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { TELEMETRY_PARTITIONER } from './murmur2';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

/**
 * Bytes of keys and values per produce request. A request holds one record batch per partition
 * and the broker refuses a batch over `max.message.bytes` (1 MiB by default); headers and the
 * batch framing need the rest.
 */
export const PRODUCE_REQUEST_BYTES = 512 * 1024;

function sizeOf(record: OutgoingRecord): number {
  const bytes = (part: string | Buffer | null) => (part === null ? 0 : typeof part === 'string' ? Buffer.byteLength(part) : part.length);
  return bytes(record.key) + bytes(record.value);
}

/** Splits records, in order, into requests of at most `maxBytes` of keys and values; a larger record goes alone. */
export function requestChunks(records: readonly OutgoingRecord[], maxBytes = PRODUCE_REQUEST_BYTES): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let chunk: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = sizeOf(record);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Kafka did not confirm a send within the caller's time limit. */
export class KafkaSendTimeoutError extends Error {
  override readonly name = 'KafkaSendTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Kafka did not confirm the records within ${timeoutMs} ms`);
  }
}

export interface OutgoingRecord {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: IHeaders;
  /** Where the record goes; by default the partitioner's choice for its key. */
  readonly partition?: number;
}

/** One kafkajs producer: replaced by a fresh one after any failed send. */
interface Generation {
  readonly producer: Producer;
  connecting: Promise<void> | undefined;
}

/**
 * An idempotent producer that waits for every in-sync replica (`acks=all`), so a record is
 * durable when `send` resolves. Retries are bounded: during a Kafka outage `send` fails
 * instead of hanging, and the caller decides (retry the batch, or answer 503).
 *
 * Sends go one at a time, and a send that fails or times out retires its kafkajs producer: the
 * next send starts a fresh one (a new producer id). kafkajs 2.2.4 rolls a partition's sequence
 * numbers back when a send fails even if the broker had written that batch; a later batch on
 * the same producer could then be taken for a duplicate and dropped while the caller is told it
 * was stored. A fresh producer never reuses those sequence numbers.
 */
@Injectable()
export class KafkaProducer implements OnApplicationShutdown {
  private generation: Generation | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly retired = new Set<Promise<void>>();
  private readonly createProducer: () => Producer;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.createProducer = () =>
      kafka.producer({
        createPartitioner: TELEMETRY_PARTITIONER,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
      });
  }

  private started = 0;

  /** How many kafkajs producers this one has started (a new one after each failure). */
  get producersStarted(): number {
    return this.started;
  }

  private current(): Generation {
    if (!this.generation) {
      this.generation = { producer: this.createProducer(), connecting: undefined };
      this.started += 1;
    }
    return this.generation;
  }

  private retire(generation: Generation): void {
    if (this.generation === generation) this.generation = undefined;
    const closing = generation.producer.disconnect().catch(() => undefined);
    this.retired.add(closing);
    void closing.finally(() => this.retired.delete(closing));
  }

  private async write(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    const generation = this.current();
    try {
      generation.connecting ??= generation.producer.connect();
      await generation.connecting;
      for (const chunk of requestChunks(records)) {
        await generation.producer.send({
          topic,
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: chunk.map((r) => ({
            key: r.key,
            value: r.value,
            ...(r.headers ? { headers: r.headers } : {}),
            ...(r.partition === undefined ? {} : { partition: r.partition }),
          })),
        });
      }
    } catch (error) {
      this.retire(generation);
      throw error;
    }
  }

  /**
   * Resolves once every record is stored, sent in requests the broker accepts (see
   * {@link requestChunks}), in order, after the sends before it. With `timeoutMs`, rejects with
   * {@link KafkaSendTimeoutError} when Kafka has not confirmed by then; the records may still be
   * stored later, so a caller that retries must tolerate duplicates (telemetry is deduplicated
   * by `event_id`).
   */
  async send(topic: string, records: readonly OutgoingRecord[], options: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (records.length === 0) return;
    const sending = this.tail.then(() => this.write(topic, records));
    this.tail = sending.catch(() => undefined);
    const { timeoutMs } = options;
    if (timeoutMs === undefined) {
      await sending;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaSendTimeoutError(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([sending, timeout]);
    } catch (error) {
      if (error instanceof KafkaSendTimeoutError) {
        // The send may still be under way: retire its producer and let the next send go on with
        // a fresh one instead of waiting behind it. The abandoned send settles on its own.
        if (this.generation) this.retire(this.generation);
        this.tail = Promise.resolve();
        sending.catch(() => undefined);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tail;
    if (this.generation?.connecting) await this.generation.producer.disconnect();
    this.generation = undefined;
    await Promise.all(this.retired);
  }
}
