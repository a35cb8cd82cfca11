import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { runBoundedRead } from './bounded-read';

/** A record read back by its offset. */
export interface RecordAt {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  readonly timestamp: string;
}

export interface RecordsAt {
  /** The records found, by partition, in offset order. */
  readonly found: RecordAt[];
  /** Offsets asked for that the topic no longer holds (below its log start: retention) or never held. */
  readonly missing: number;
}

/** Offsets wanted per partition: each partition's list in increasing order. */
export type WantedOffsets = ReadonlyMap<number, readonly bigint[]>;

/**
 * Reads the records at the given offsets of `topic`: for each partition, from its first wanted
 * offset to its last, keeping the wanted ones. Commits nothing: the consumer group is unique to
 * this read and deleted afterwards. Bounded: fails after `idleTimeoutMs` without progress.
 */
export async function readRecordsAt(kafka: Kafka, topic: string, wanted: WantedOffsets, options: { groupPrefix: string; idleTimeoutMs?: number }): Promise<RecordsAt> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2000 } });
  await admin.connect();
  const found: RecordAt[] = [];
  let missing = 0;
  /** Per partition still to read: the wanted offsets left (a set), the last one, where to start. */
  const plan = new Map<number, { left: Set<bigint>; start: bigint; last: bigint }>();
  const groupId = `${options.groupPrefix}-${randomUUID()}`;
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
    for (const [partition, offsets] of wanted) {
      const end = ends.get(partition);
      // Gone to retention, or past the end: counted missing, not waited for.
      const held = new Set(offsets.filter((o) => end !== undefined && o >= end.low && o < end.high));
      missing += offsets.length - held.size;
      let start: bigint | undefined;
      let last: bigint | undefined;
      for (const o of held) {
        if (start === undefined || o < start) start = o;
        if (last === undefined || o > last) last = o;
      }
      if (start !== undefined && last !== undefined) plan.set(partition, { left: held, start, last });
    }
    if (plan.size === 0) return { found, missing };

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false, retry: { retries: 3 } });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      /** A partition read past its last wanted offset: what is still wanted there is missing. */
      const passed = (partition: number, lastOffset: string): boolean => {
        const p = plan.get(partition);
        if (!p || BigInt(lastOffset) < p.last) return false;
        // Compacted away or a transaction marker: an offset passed without its record is missing.
        missing += p.left.size;
        plan.delete(partition);
        consumer.pause([{ topic, partitions: [partition] }]);
        return true;
      };
      await runBoundedRead(
        consumer,
        { idleTimeoutMs, idle: () => `no progress for ${Math.round(idleTimeoutMs / 1000)} s reading records of ${topic} by offset` },
        async (payload, read) => {
          const { batch } = payload;
          const p = plan.get(batch.partition);
          if (!p) return;
          for (const m of batch.messages) {
            if (!p.left.delete(BigInt(m.offset))) continue;
            found.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp });
          }
          read.progress();
          passed(batch.partition, batch.lastOffset());
          if (plan.size === 0) read.finish();
          else await payload.heartbeat();
        },
        (read) => {
          // kafkajs hands no batch over that holds no records (only markers): its end still counts.
          consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
            if (payload.topic === topic && passed(payload.partition, payload.lastOffset) && plan.size === 0) read.finish();
          });
          const others = [...ends.keys()].filter((partition) => !plan.has(partition));
          if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
          for (const [partition, p] of plan) consumer.seek({ topic, partition, offset: p.start.toString() });
        },
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return { found: found.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)), missing };
  } finally {
    await admin.disconnect();
  }
}
