import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import { BATCH_RETRY, batchFailureReason, batchRetryDelay, needsRejoin, rejoinError, type BatchRetryPolicy } from './batch-retry';

/** One record of a batch, as the handler receives it. */
export interface BatchRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
  /** The record's Kafka timestamp, epoch ms as text (the append time on a `LogAppendTime` topic). */
  readonly timestamp?: string;
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
  /** How many partitions the topic has (read at each group join); `undefined` until known. */
  readonly partitionCount: number | undefined;
  /** Tells the group coordinator the consumer is alive; call it during long work. */
  readonly heartbeat: () => Promise<void>;
}

/**
 * The pattern of an optional `@EventPattern` handler told which partitions this member holds:
 * at every group join, and none when the consumer stops or crashes.
 */
export const KAFKA_ASSIGNMENT_PATTERN = 'kanshi.kafka.assignment';

/** What a {@link KAFKA_ASSIGNMENT_PATTERN} handler receives. */
export interface KafkaAssignment {
  /** Counts the group's partition assignments, as {@link KafkaBatch.assignment} does. */
  readonly assignment: number;
  /** Whether this consumer is a member of its group now (false once it stopped or crashed). */
  readonly member: boolean;
  /** The partitions this member holds, by topic; a topic not named has none. */
  readonly partitions: Readonly<Record<string, readonly number[]>>;
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
  /** How a batch whose handler fails is retried (default {@link BATCH_RETRY}). */
  readonly retry?: BatchRetryPolicy;
}

/** Between heartbeats while a batch is handled or waits for a retry. */
const HEARTBEAT_EVERY_MS = 1000;

/**
 * How often the consumer heartbeats for a session timeout: a tenth of it, between 0.5 and 1 s.
 * A member found silent for the session timeout loses its partitions; the others learn of the
 * rebalance at their next heartbeat, so failover takes the session timeout plus about one
 * heartbeat, the rejoin and the first batch.
 */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.min(HEARTBEAT_EVERY_MS, Math.max(500, Math.floor(sessionTimeoutMs / 10)));
}

/**
 * A Nest transport that consumes Kafka in batches (the built-in one handles one message at a
 * time) and commits a batch's offsets only after its handler has finished: a crash or a
 * rebalance redelivers, never loses. A handler that throws (a dependency is down) is retried
 * here, for as long as it takes, with a capped backoff: the member keeps heartbeating meanwhile,
 * so it keeps its partitions through an outage of any length and goes on within a few seconds
 * of the dependency's return. Nothing after the failure is committed, so nothing is skipped.
 */
export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  private consumer: Consumer | undefined;
  private readonly log = new Logger(KafkaBatchServer.name);
  private assignment = 0;
  private readonly partitionCounts = new Map<string, number>();

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
      heartbeatInterval: heartbeatIntervalMs(this.options.sessionTimeoutMs),
      // kafkajs' own retries (fetches, joins) wait at most 5 s, so the consumer resumes soon after Kafka returns.
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 5000 },
      ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error(`consumer crashed (restart: ${String(payload.restart)}): ${payload.error.message}`);
      // Its partitions are gone until it joins again (after a restart).
      this.announceAssignment({}, false);
      if (!payload.restart) {
        // A consumer that will not restart leaves the process alive but idle; exit so the
        // supervisor (npm start, Kubernetes, compose) starts a fresh one.
        this.log.fatal('the Kafka consumer stopped for good; exiting');
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      }
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assignment++;
      // One line per join: a rebalance (a member lost, added or kicked out) shows in the log.
      const owned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => `${topic} [${partitions.join(', ')}]`);
      this.log.log(`joined group ${payload.groupId} as ${payload.memberId} (assignment ${this.assignment}): ${owned.join('; ') || 'no partitions'}`);
      // Partitions added to a topic make the group rejoin: count them again.
      this.refreshPartitionCounts().catch((error: unknown) => this.log.warn(`could not read the topics' partition counts: ${String(error)}`));
      this.announceAssignment(payload.memberAssignment, true);
    });
    // A stopped consumer holds nothing.
    consumer.on(consumer.events.STOP, () => this.announceAssignment({}, false));
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
  }

  private announceAssignment(partitions: KafkaAssignment['partitions'], member: boolean): void {
    const handler = this.getHandlerByPattern(KAFKA_ASSIGNMENT_PATTERN);
    if (!handler) return;
    const assignment: KafkaAssignment = { assignment: this.assignment, member, partitions };
    lastValueFrom(this.transformToObservable(handler(assignment)), { defaultValue: undefined }).catch((error: unknown) =>
      this.log.warn(`the partition assignment handler failed: ${batchFailureReason(error).message}`),
    );
  }

  private async refreshPartitionCounts(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...this.options.topics] });
      for (const topic of topics) this.partitionCounts.set(topic.name, topic.partitions.length);
    } finally {
      await admin.disconnect();
    }
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
        headers: m.headers,
        timestamp: m.timestamp,
      })),
      highWatermark: batch.highWatermark,
      assignment: this.assignment,
      partitionCount: this.partitionCounts.get(batch.topic),
      heartbeat: () => payload.heartbeat(),
    };
    const handled = await this.handleWithRetries(() => lastValueFrom(this.transformToObservable(handler(input)), { defaultValue: undefined }), batch.partition, payload);
    // Stopping (shutdown) or a partition revoked while we worked: leave the batch uncommitted;
    // whoever owns the partition next processes it again, which the idempotent alert path allows.
    if (!handled || !payload.isRunning() || payload.isStale()) return;
    // Resolving moves kafkajs' fetch position past the batch; committing makes it durable.
    payload.resolveOffset(batch.lastOffset());
    try {
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      await payload.heartbeat();
    } catch (error) {
      // Not committed: the batch is redelivered (its checkpoint skips what it already counted).
      throw rejoinError(error);
    }
  }

  /**
   * Runs `handle` until it succeeds, heartbeating all along. Returns false when the consumer
   * stops or loses the partition meanwhile (the batch is then left to its next owner); throws a
   * heartbeat's rejoin error so that kafkajs rejoins the group.
   */
  private async handleWithRetries(handle: () => Promise<unknown>, partition: number, payload: EachBatchPayload): Promise<boolean> {
    const heartbeats = new Heartbeats(payload);
    let handled: boolean;
    try {
      handled = await this.retryUntilHandled(handle, partition, payload, heartbeats);
    } finally {
      await heartbeats.stop();
    }
    // A heartbeat said this member must rejoin: kafkajs rejoins when the error reaches it.
    if (heartbeats.rejoin !== undefined) throw rejoinError(heartbeats.rejoin);
    return handled;
  }

  private async retryUntilHandled(handle: () => Promise<unknown>, partition: number, payload: EachBatchPayload, heartbeats: Heartbeats): Promise<boolean> {
    const policy = this.options.retry ?? BATCH_RETRY;
    const goOn = () => heartbeats.rejoin === undefined && payload.isRunning() && !payload.isStale();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handle();
        return true;
      } catch (error) {
        if (!goOn()) return false;
        const delay = batchRetryDelay(attempt, policy);
        // Every attempt at first, then every tenth: an outage of hours stays readable. The
        // first says where it failed (its stack), the others why.
        if (attempt <= 3 || attempt % 10 === 0) {
          const reason = batchFailureReason(error);
          const detail = attempt === 1 && reason.stack !== undefined ? `\n${reason.stack}` : '';
          this.log.warn(`partition ${partition}: batch failed (attempt ${attempt}): ${reason.message}; retrying in ${delay} ms${detail}`);
        }
        await new Promise<void>((resolve) => setTimeout(resolve, delay));
        if (!goOn()) return false;
      }
    }
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

/**
 * Tells the group coordinator every second that this member is alive, while a batch is handled
 * or waits out an outage. A heartbeat that fails because Kafka is away is ignored (it is tried
 * again a second later); one that says the member must rejoin is kept for the caller.
 */
class Heartbeats {
  rejoin: unknown;
  private beating: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(payload: EachBatchPayload) {
    this.timer = setInterval(() => {
      this.beating = this.beating.then(() =>
        payload.heartbeat().catch((error: unknown) => {
          if (needsRejoin(error)) this.rejoin ??= error;
        }),
      );
    }, HEARTBEAT_EVERY_MS);
  }

  /** Stops beating, once the heartbeat in flight has settled. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
  }
}
