import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CompressionTypes, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { TELEMETRY_PARTITIONER } from './kafka-client';

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
  readonly key: string | null;
  readonly value: string | Buffer | null;
  readonly headers?: IHeaders;
}

/**
 * An idempotent producer that waits for every in-sync replica (`acks=all`), so a record is
 * durable when `send` resolves. Retries are bounded: during a Kafka outage `send` fails
 * instead of hanging, and the caller decides (retry the batch, or answer 503).
 */
@Injectable()
export class KafkaProducer implements OnApplicationShutdown {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.producer = kafka.producer({
      createPartitioner: TELEMETRY_PARTITIONER,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /**
   * Resolves once every record is stored, sent in requests the broker accepts (see
   * {@link requestChunks}), in order. With `timeoutMs`, rejects with {@link KafkaSendTimeoutError}
   * when Kafka has not confirmed by then; the records may still be stored later, so a caller that
   * retries must tolerate duplicates (telemetry is deduplicated by `event_id`).
   */
  async send(topic: string, records: readonly OutgoingRecord[], options: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (records.length === 0) return;
    const sending = this.connect().then(async () => {
      for (const chunk of requestChunks(records)) {
        await this.producer.send({
          topic,
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: chunk.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) })),
        });
      }
    });
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
    } finally {
      clearTimeout(timer);
      // The abandoned send settles later; its failure is already reported as the timeout.
      sending.catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connecting) await this.producer.disconnect();
  }
}
