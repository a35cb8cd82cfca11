import type { IHeaders, Kafka } from 'kafkajs';
import { DEAD_LETTER_BUNDLE_HEADER, DEAD_LETTER_HEADERS, DEAD_LETTER_IN_PLACE_HEADER, decodeDeadLetterBundle, decodeInPlaceDeadLetters, TOPICS } from '@kanshi/contracts';
import { readRecordsAt } from '@kanshi/messaging';
import { startGroupAtEnd } from './kafka-fixture';
import { uniqueId, waitFor } from './wait-for';

/** A record of the dead-letter topic, headers decoded. */
export interface TappedDeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly reason: string;
  readonly error: string;
  readonly originalTopic: string;
  readonly originalPartition: number;
  readonly originalOffset: string;
  /** Set when the engine kept only the start of a value too large to dead-letter whole. */
  readonly truncatedFrom: number | undefined;
  /** Its place in the bundle or in-place record at `offset`, when it came in one. */
  readonly bundleIndex?: number;
  /** Named by an in-place dead letter (a quota refusal); key and value are the original's, read back by `caughtUp`. */
  readonly inPlace?: boolean;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Reads the dead-letter topic from where it ended when the tap started. */
export interface DeadLetterTap {
  /** Dead letters written by the engine of `engineGroupId`, in arrival order. */
  readonly records: readonly TappedDeadLetter[];
  /** Resolves once the tap has read everything the topic holds now (and the originals of in-place dead letters). */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts reading the dead-letter topic with a consumer group pinned to the topic's end, so a
 * test sees only what is dead-lettered after this resolves. Keeps the records the engine of
 * `engineGroupId` wrote (another engine on the same Kafka dead-letters the same records).
 */
export async function tapDeadLetters(kafka: Kafka, engineGroupId: string): Promise<DeadLetterTap> {
  const topic = TOPICS.telemetryDeadLetter;
  const groupId = uniqueId('kanshi-dlq-tap');
  await startGroupAtEnd(kafka, groupId, topic);
  const admin = kafka.admin();
  await admin.connect();
  /** Next offset to read, per partition; starts at the pinned end. */
  const next = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  const records: TappedDeadLetter[] = [];
  /** Indexes in `records` of in-place dead letters whose original is not read back yet. */
  let unresolved: number[] = [];
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const h = message.headers;
      if (header(h, DEAD_LETTER_HEADERS.consumerGroup) === engineGroupId) {
        const truncated = header(h, DEAD_LETTER_HEADERS.truncatedFrom);
        const letter: TappedDeadLetter = {
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString('utf8'),
          value: message.value,
          reason: header(h, DEAD_LETTER_HEADERS.reason) ?? '',
          error: header(h, DEAD_LETTER_HEADERS.error) ?? '',
          originalTopic: header(h, DEAD_LETTER_HEADERS.originalTopic) ?? '',
          originalPartition: Number(header(h, DEAD_LETTER_HEADERS.originalPartition)),
          originalOffset: header(h, DEAD_LETTER_HEADERS.originalOffset) ?? '',
          truncatedFrom: truncated === undefined ? undefined : Number(truncated),
        };
        // A bundle (many dead letters of one reason) is one dead letter per original here, and so
        // is an in-place one (a quota refusal), its original read back from its topic.
        if (header(h, DEAD_LETTER_IN_PLACE_HEADER) !== undefined && message.value !== null) {
          let bundleIndex = 0;
          for (const { from, to } of decodeInPlaceDeadLetters(message.value).ranges) {
            for (let o = from; o <= to; o += 1n) {
              unresolved.push(records.length);
              records.push({ ...letter, bundleIndex: bundleIndex++, key: null, value: null, originalOffset: o.toString(), inPlace: true });
            }
          }
        } else if (header(h, DEAD_LETTER_BUNDLE_HEADER) !== undefined && message.value !== null) {
          decodeDeadLetterBundle(message.value).forEach((original, bundleIndex) =>
            records.push({
              ...letter,
              bundleIndex,
              key: original.key === null ? null : original.key.toString('utf8'),
              value: original.value,
              error: original.error,
              originalOffset: original.offset,
            }),
          );
        } else records.push(letter);
      }
      next.set(partition, BigInt(message.offset) + 1n);
      return Promise.resolve();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const joinTimeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the dead-letter tap did not join group ${groupId} within 30 s`)), 30_000);
  });
  try {
    await Promise.race([joined, joinTimeout]);
  } catch (error) {
    await consumer.disconnect();
    await admin.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  /** Reads back the originals of in-place dead letters: key and value as the engine saw them. */
  async function resolveInPlace(): Promise<void> {
    const pending = unresolved;
    unresolved = [];
    const byTopic = new Map<string, Map<number, bigint[]>>();
    for (const i of pending) {
      const letter = records[i];
      if (!letter) continue;
      const ofTopic = byTopic.get(letter.originalTopic) ?? new Map<number, bigint[]>();
      byTopic.set(letter.originalTopic, ofTopic);
      const offsets = ofTopic.get(letter.originalPartition);
      if (offsets) offsets.push(BigInt(letter.originalOffset));
      else ofTopic.set(letter.originalPartition, [BigInt(letter.originalOffset)]);
    }
    const originals = new Map<string, { key: Buffer | null; value: Buffer | null }>();
    for (const [topic, wanted] of byTopic) {
      for (const partition of wanted.values()) partition.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const { found } = await readRecordsAt(kafka, topic, wanted, { groupPrefix: uniqueId('kanshi-dlq-tap-originals'), idleTimeoutMs: 30_000 });
      for (const record of found) originals.set(`${topic}/${record.partition}/${record.offset}`, record);
    }
    for (const i of pending) {
      const letter = records[i];
      const original = letter && originals.get(`${letter.originalTopic}/${letter.originalPartition}/${letter.originalOffset}`);
      if (letter && original) records[i] = { ...letter, key: original.key === null ? null : original.key.toString('utf8'), value: original.value };
    }
  }

  return {
    records,
    async caughtUp(timeoutMs = 30_000) {
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor(
        'the dead-letter tap to read to the end of the topic',
        () => Promise.resolve(ends.every((p) => (next.get(p.partition) ?? 0n) >= BigInt(p.high)) ? true : undefined),
        timeoutMs,
      );
      await resolveInPlace();
    },
    async stop() {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
