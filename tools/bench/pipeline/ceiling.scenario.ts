import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { deleteGroups, every, formatInt, round, setGroupOffsets, sleep, withAdmin } from './bench-support';
import type { BenchContext, Scenario, ScenarioResult } from './scenario';

/** As the engine's consumer (KafkaBatchServer): kafkajs defaults for fetching, three partitions at a time. */
const PARTITIONS_CONSUMED_CONCURRENTLY = 3;

/**
 * (1) The ceiling: a bare kafkajs consumer, configured as the engine's, reads the data set with
 * `eachBatch` and does nothing with the records. What any kafkajs consumer on this machine and
 * broker can reach; the engine's throughput is reported as a share of it.
 */
export const ceilingScenario: Scenario = {
  id: 'ceiling',
  title: 'Ceiling: bare kafkajs consumer (eachBatch, no processing)',
  deadlineMs: ({ quick, events }) => (quick ? 60_000 : 120_000 + events / 5),
  async run(context: BenchContext): Promise<ScenarioResult> {
    const dataset = await context.dataset();
    const { config, runId, signal } = context;
    const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-ceiling`);
    const groupId = `${runId}-ceiling`;
    const ends = new Map(dataset.partitions.map((p) => [p.partition, BigInt(p.end)]));
    const pending = new Set(dataset.partitions.filter((p) => p.start !== p.end).map((p) => p.partition));
    await withAdmin(kafka, (admin) => setGroupOffsets(admin, groupId, dataset.topic, dataset.partitions.map((p) => ({ partition: p.partition, offset: p.start }))));

    const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3000 });
    let records = 0;
    let bytes = 0;
    let firstAt: number | undefined;
    let doneAt: number | undefined;
    const notes: string[] = [];
    const stopProgress = every(3000, () => context.log(`ceiling: ${formatInt(records)} / ${formatInt(dataset.events)} records read`));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [dataset.topic], fromBeginning: true });
      const joinedStarted = Date.now();
      await consumer.run({
        partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
        eachBatch: ({ batch }) => {
          firstAt ??= Date.now();
          const end = ends.get(batch.partition) ?? 0n;
          // Only the data set's records count; anything produced after it is past `end`.
          for (const message of batch.messages) {
            if (BigInt(message.offset) < end) {
              records += 1;
              bytes += message.value?.length ?? 0;
            }
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
          if (pending.size === 0) doneAt ??= Date.now();
          return Promise.resolve();
        },
      });
      const joinedAt = Date.now();
      // Bounded by the scenario's deadline (signal).
      while (doneAt === undefined) await sleep(10, signal);
      // Timed as the engine is: from the consumer having joined (run() resolved; the engine prints
      // its start line then), so decoding the first fetch counts for both.
      const seconds = (doneAt - joinedAt) / 1000;
      if (records !== dataset.events) notes.push(`read ${records} records in the ranges, not ${dataset.events}: another producer wrote to the topic during the pre-fill`);
      notes.push(
        `Timed from the consumer having joined the group (kafkajs run() resolved after join and sync, ${joinedAt - joinedStarted} ms, not counted) to the batch that reached every partition's end offset, as the engine is timed. The first batch came ${firstAt === undefined ? '?' : firstAt - joinedAt} ms after the join (the first fetch is decompressed and decoded whole before eachBatch).`,
        'kafkajs decompresses the gzip batches (the topic stores gzip) and decodes every record: that is the ceiling of any kafkajs consumer, the engine included.',
      );
      return {
        id: 'ceiling',
        title: this.title,
        figures: [
          { name: 'throughput', value: round(records / seconds), unit: 'events/s' },
          { name: 'mean event size', value: round(dataset.meanValueBytes), unit: 'bytes' },
          { name: 'read throughput', value: round(bytes / seconds / 1e6, 1), unit: 'MB/s' },
          { name: 'first batch after join', value: firstAt === undefined ? Number.NaN : firstAt - joinedAt, unit: 'ms' },
        ],
        settings: {
          ...dataset.settings,
          events: records,
          seconds: round(seconds, 3),
          partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
          fetch: 'kafkajs defaults (maxBytes 10 MiB, maxBytesPerPartition 1 MiB, minBytes 1, maxWaitTimeInMs 5000), as the engine',
          autoCommit: 'kafkajs default (every batch resolved)',
        },
        notes,
      };
    } finally {
      stopProgress();
      await consumer.disconnect().catch(() => undefined);
      notes.push(...(await deleteGroups(kafka, [groupId])));
    }
  },
};
