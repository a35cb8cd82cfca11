import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { DLQ_TOOL_GROUP_PREFIX, runBoundedRead } from '@kanshi/messaging';
import { toDeadLetters, type DeadLetter } from './dead-letter';

export interface ReadOptions {
  readonly topic: string;
  /** Start at the first offset whose timestamp is at or after this (epoch ms); else at the beginning. */
  readonly since?: number;
  /** Fail when nothing was read for this long (group join included). Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Called every `progressEvery` records (default 10,000). */
  readonly onProgress?: (read: number, planned: number) => void;
  readonly progressEvery?: number;
  /** Prefix of the throwaway consumer group id. */
  readonly groupPrefix?: string;
  /** Called when something went wrong that does not fail the read (the group could not be deleted). */
  readonly onWarning?: (message: string) => void;
}

/** `continue` reads on; `stop` ends the read early (a replay reached its limit). */
export type BatchVerdict = 'continue' | 'stop';

export type ReadResult =
  | { readonly status: 'missing' }
  | { readonly status: 'read'; readonly read: number; readonly planned: number; readonly stoppedEarly: boolean };

interface PartitionPlan {
  readonly start: bigint;
  /** The high watermark when the read started: records from here on are left for next time. */
  readonly end: bigint;
  next: bigint;
  done: boolean;
}

/** Opens an admin connection with few retries, so an unreachable broker fails in seconds. */
export async function connectAdmin(kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2000 } });
  await admin.connect();
  return admin;
}

async function planPartitions(admin: Admin, topic: string, since: number | undefined): Promise<Map<number, PartitionPlan>> {
  const ends = await admin.fetchTopicOffsets(topic);
  const fromTime = since === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, since);
  const plan = new Map<number, PartitionPlan>();
  for (const p of ends) {
    const low = BigInt(p.low);
    const atTime = fromTime?.find((t) => t.partition === p.partition)?.offset;
    const start = atTime === undefined ? low : BigInt(atTime) > low ? BigInt(atTime) : low;
    const end = BigInt(p.high);
    plan.set(p.partition, { start, end, next: start, done: start >= end });
  }
  return plan;
}

/**
 * Reads a topic from the beginning (or `since`) up to the high watermarks captured at the start,
 * handing each batch to `onBatch`. Commits nothing: the consumer group is unique to this read
 * and deleted afterwards. Bounded: it ends at the captured ends, or fails after
 * `idleTimeoutMs` without progress.
 */
export async function readDeadLetters(
  kafka: Kafka,
  options: ReadOptions,
  onBatch: (records: readonly DeadLetter[]) => Promise<BatchVerdict> | BatchVerdict,
): Promise<ReadResult> {
  const { topic } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const progressEvery = options.progressEvery ?? 10_000;
  const admin = await connectAdmin(kafka);
  try {
    if (!(await admin.listTopics()).includes(topic)) return { status: 'missing' };
    const plan = await planPartitions(admin, topic, options.since);
    const planned = [...plan.values()].reduce((sum, p) => sum + Number(p.end - p.start), 0);
    if ([...plan.values()].every((p) => p.done)) return { status: 'read', read: 0, planned, stoppedEarly: false };

    const groupId = `${options.groupPrefix ?? `${DLQ_TOOL_GROUP_PREFIX}-read`}-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false, retry: { retries: 3 } });
    let read = 0;
    let stoppedEarly = false;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await runBoundedRead(
        consumer,
        { idleTimeoutMs, idle: () => `no progress for ${Math.round(idleTimeoutMs / 1000)} s reading ${topic}: ${read} of ${planned} records read` },
        async (payload, bounded) => {
          const { batch } = payload;
          const p = plan.get(batch.partition);
          if (!p || p.done || payload.isStale()) return;
          const fresh = batch.messages.filter((m) => BigInt(m.offset) >= p.next && BigInt(m.offset) < p.end);
          // A bundle record holds many dead letters; progress counts records of the topic.
          const records = fresh.flatMap((m) => toDeadLetters(batch.partition, m));
          const before = read;
          read += fresh.length;
          if (options.onProgress && Math.floor(read / progressEvery) > Math.floor(before / progressEvery)) {
            options.onProgress(read, planned);
          }
          const verdict = records.length > 0 ? await onBatch(records) : 'continue';
          const last = BigInt(batch.lastOffset()) + 1n;
          if (last > p.next) {
            p.next = last;
            bounded.progress();
          }
          if (p.next >= p.end) {
            p.done = true;
            consumer.pause([{ topic, partitions: [batch.partition] }]);
          }
          if (verdict === 'stop') stoppedEarly = true;
          if (stoppedEarly || [...plan.values()].every((q) => q.done)) bounded.finish();
          else await payload.heartbeat();
        },
        () => {
          // Seeks given before the assignment are applied when the partitions arrive.
          for (const [partition, p] of plan) {
            if (!p.done && p.start > 0n) consumer.seek({ topic, partition, offset: p.start.toString() });
          }
        },
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch((error: unknown) => {
        options.onWarning?.(`could not delete the throwaway consumer group ${groupId}: ${String(error)}`);
      });
    }
    return { status: 'read', read, planned, stoppedEarly };
  } finally {
    await admin.disconnect();
  }
}
