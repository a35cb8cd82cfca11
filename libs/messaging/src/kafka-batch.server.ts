import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';

/** One record of a batch, as the handler receives it. */
export interface BatchRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** What an `@EventPattern(topic)` handler receives from {@link KafkaBatchServer}. */
export interface KafkaBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly BatchRecord[];
  /** The partition's log end offset when the batch was fetched: the batch is the last one when its last offset + 1 reaches it. */
  readonly highWatermark: string;
  /** Counts the group's partition assignments; a new value means partitions may have moved. */
  readonly assignment: number;
  /** Tells the group coordinator the consumer is alive; call it during long work. */
  readonly heartbeat: () => Promise<void>;
}

export interface KafkaBatchServerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts; `true` so a new group misses nothing. */
  readonly fromBeginning: boolean;
  readonly partitionsConsumedConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** Most bytes one fetch returns (kafkajs `maxBytes`); bounds the records held in memory at once. */
  readonly maxBytes?: number;
}

/**
 * A Nest transport that consumes Kafka in batches (the built-in one handles one message at a
 * time) and commits a batch's offsets only after its handler has finished: a crash or a
 * rebalance redelivers, never loses. A handler that throws is retried by kafkajs from the last
 * committed offset; nothing after the failure is committed, so nothing is skipped.
 */
export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  private consumer: Consumer | undefined;
  private readonly log = new Logger(KafkaBatchServer.name);
  private assignment = 0;

  constructor(private readonly options: KafkaBatchServerOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  private async start(): Promise<void> {
    for (const topic of this.options.topics) {
      if (!this.getHandlerByPattern(topic)) throw new Error(`no @EventPattern handler for topic ${topic}`);
    }
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 10)),
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30000 },
      ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error(`consumer crashed (restart: ${String(payload.restart)}): ${payload.error.message}`);
      if (!payload.restart) {
        // A consumer that will not restart leaves the process alive but idle; exit so the
        // supervisor (npm start, Kubernetes, compose) starts a fresh one.
        this.log.fatal('the Kafka consumer stopped for good; exiting');
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      }
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.assignment++;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
  }

  private async handleBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const handler = this.getHandlerByPattern(batch.topic);
    if (!handler) throw new Error(`no handler for topic ${batch.topic}`);
    const input: KafkaBatch = {
      topic: batch.topic,
      partition: batch.partition,
      records: batch.messages.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
      })),
      highWatermark: batch.highWatermark,
      assignment: this.assignment,
      heartbeat: () => payload.heartbeat(),
    };
    await lastValueFrom(this.transformToObservable(await handler(input)), { defaultValue: undefined });
    // Stopping (shutdown) or a partition revoked while we worked: leave the batch uncommitted;
    // whoever owns the partition next processes it again, which the idempotent alert path allows.
    if (!payload.isRunning() || payload.isStale()) return;
    // Resolving moves kafkajs' fetch position past the batch; committing makes it durable.
    payload.resolveOffset(batch.lastOffset());
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
    ]);
    await payload.heartbeat();
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  on(): never {
    throw new Error('KafkaBatchServer has no events to subscribe to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('KafkaBatchServer is not listening');
    return this.consumer as T;
  }
}
