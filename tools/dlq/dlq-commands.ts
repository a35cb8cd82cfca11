import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { SIGNATURE_HEADER } from '@kanshi/contracts';
import { DLQ_TOOL_GROUP_PREFIX, readRecordsAt, requestChunks, TELEMETRY_PARTITIONER, type OutgoingRecord } from '@kanshi/messaging';
import { RateLimiter, systemClock, type Clock } from '@kanshi/telemetry-client';
import { DeadLetterSummary, formatSummary, headerText, keyText, replayDecision, replayRecord, type DeadLetter, type DeadLetterFilter } from './dead-letter';
import { connectAdmin, readDeadLetters, type BatchVerdict, type ReadOptions } from './dead-letter.reader';

/** Topic names are parameters so tests run on temporary topics; the CLI passes the real ones. */
export interface InspectOptions extends Pick<ReadOptions, 'idleTimeoutMs' | 'onProgress' | 'onWarning'> {
  readonly dlqTopic: string;
  readonly since?: number;
  readonly reason?: string;
  readonly samples: number;
}

export interface InspectResult {
  readonly missing: boolean;
  readonly summary: DeadLetterSummary;
  /** The report as printed. */
  readonly report: string;
}

function describeScope(filter: DeadLetterFilter): string {
  const parts = [
    filter.reason !== undefined ? `reason ${filter.reason}` : undefined,
    filter.keyPrefix !== undefined ? `key prefix ${JSON.stringify(filter.keyPrefix)}` : undefined,
    filter.since !== undefined ? `since ${new Date(filter.since).toISOString()}` : undefined,
    filter.until !== undefined ? `until ${new Date(filter.until).toISOString()}` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

export async function inspectDeadLetters(kafka: Kafka, options: InspectOptions): Promise<InspectResult> {
  const summary = new DeadLetterSummary(options.samples);
  const filter: DeadLetterFilter = {
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
  };
  const result = await readDeadLetters(
    kafka,
    { ...options, topic: options.dlqTopic, groupPrefix: `${DLQ_TOOL_GROUP_PREFIX}-inspect` },
    (records): BatchVerdict => {
      for (const record of records) {
        if (replayDecision(record, filter).action !== 'skip-filter') summary.add(record);
      }
      return 'continue';
    },
  );
  if (result.status === 'missing') {
    return { missing: true, summary, report: `${options.dlqTopic} does not exist yet: nothing has been dead-lettered.` };
  }
  return { missing: false, summary, report: formatSummary(summary, options.dlqTopic, describeScope(filter)) };
}

export interface ReplayOptions extends Pick<ReadOptions, 'idleTimeoutMs' | 'onProgress' | 'onWarning'> {
  readonly dlqTopic: string;
  readonly targetTopic: string;
  readonly filter: DeadLetterFilter;
  readonly dryRun: boolean;
  readonly limit?: number;
  /** Most records produced per second (`--rate`); as fast as the broker takes them when absent. */
  readonly rate?: number;
  /** Time for the rate (tests pass their own). */
  readonly clock?: Clock;
}

/**
 * The produce requests of a replay: ones the broker accepts, and with a rate, at most a tenth of
 * a second's worth each, so the records reach Kafka (and the engine's quotas) evenly.
 */
export function replaySends(records: readonly OutgoingRecord[], rate?: number): OutgoingRecord[][] {
  const chunks = requestChunks(records);
  if (rate === undefined) return chunks;
  const most = Math.max(1, Math.floor(rate / 10));
  return chunks.flatMap((chunk) => Array.from({ length: Math.ceil(chunk.length / most) }, (_, i) => chunk.slice(i * most, (i + 1) * most)));
}

/** In-place dead letters a replay resolves at once (their originals read, then sent). */
export const IN_PLACE_CHUNK = 50_000;

export interface ReplayResult {
  readonly missing: boolean;
  /** Dead letters read. */
  readonly scanned: number;
  /** Matching the filter, null values included. */
  readonly matched: number;
  /** Produced to the target (or that would be, in a dry run). */
  readonly replayed: number;
  readonly skippedNullValue: number;
  readonly skippedTruncated: number;
  /** Second and later dead letters of one original record. */
  readonly skippedDuplicate: number;
  /** In-place dead letters whose original the topic no longer holds (its retention). */
  readonly skippedGone: number;
  /** In-place dead letters whose originals could not be read (the report says why). */
  readonly unread: number;
  readonly stoppedAtLimit: boolean;
  readonly report: string;
}

/** Refuses an empty selection: replaying the whole DLQ is never what a fixed producer needs. */
export function assertSelective(filter: DeadLetterFilter): void {
  if (filter.reason === undefined && filter.keyPrefix === undefined) {
    throw new Error('replay needs a reason or a key prefix to select records');
  }
}

export async function replayDeadLetters(kafka: Kafka, options: ReplayOptions): Promise<ReplayResult> {
  assertSelective(options.filter);
  const { dlqTopic, targetTopic, filter, dryRun, limit, rate } = options;
  const pace = rate === undefined ? undefined : new RateLimiter(rate, options.clock ?? systemClock);
  let producer: Producer | undefined;
  if (!dryRun) {
    const admin = await connectAdmin(kafka);
    try {
      if (!(await admin.listTopics()).includes(targetTopic)) throw new Error(`target topic ${targetTopic} does not exist`);
    } finally {
      await admin.disconnect();
    }
    producer = kafka.producer({
      createPartitioner: TELEMETRY_PARTITIONER,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    await producer.connect();
  }
  let scanned = 0;
  let matched = 0;
  let replayed = 0;
  let skippedNullValue = 0;
  let skippedTruncated = 0;
  let skippedDuplicate = 0;
  let skippedGone = 0;
  /** In-place dead letters whose originals could not be read, and why (the first error). */
  let unread = 0;
  let unreadError: string | undefined;
  let stoppedAtLimit = false;
  const seen = new Set<string>();
  /** In-place dead letters selected and not yet resolved, by original topic and partition. */
  let inPlace = new Map<string, Map<number, DeadLetter[]>>();
  let inPlacePending = 0;
  const left = () => (limit === undefined ? Infinity : limit - replayed);
  const send = async (outgoing: OutgoingRecord[]) => {
    // Never past --limit: in-place dead letters are counted once their original is read and kept.
    const kept = outgoing.length > left() ? outgoing.slice(0, Math.max(0, left())) : outgoing;
    if (kept.length < outgoing.length) stoppedAtLimit = true;
    // Bundles unpack into many records: sent in requests the broker accepts.
    for (const messages of producer ? replaySends(kept, rate) : []) {
      if (pace) for (let i = 0; i < messages.length; i += 1) await pace.take();
      await producer?.send({ topic: targetTopic, acks: -1, compression: CompressionTypes.GZIP, messages });
    }
    replayed += kept.length;
    if (left() <= 0) stoppedAtLimit = true;
  };
  /**
   * Reads the originals of the pending in-place dead letters from their topic and replays those
   * whose own key matches. Called every {@link IN_PLACE_CHUNK} of them and at the end, so a long
   * flood is replayed in bounded pieces. A read that fails is reported, not thrown: what was
   * replayed before stays counted.
   */
  const resolveInPlace = async () => {
    const chunk = inPlace;
    inPlace = new Map();
    inPlacePending = 0;
    // Past --limit nothing more is replayed: the pending ones are not even read.
    if (stoppedAtLimit) return;
    for (const [topic, partitions] of chunk) {
      const letterAt = new Map<string, DeadLetter>();
      const wanted = new Map<number, bigint[]>();
      let count = 0;
      for (const [partition, letters] of partitions) {
        wanted.set(partition, letters.map((l) => BigInt(l.originalOffset ?? '0')));
        for (const letter of letters) letterAt.set(`${partition}/${letter.originalOffset ?? ''}`, letter);
        count += letters.length;
      }
      if (stoppedAtLimit) break;
      let read;
      try {
        read = await readRecordsAt(kafka, topic, wanted, { groupPrefix: `${DLQ_TOOL_GROUP_PREFIX}-replay`, ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }) });
      } catch (error) {
        unread += count;
        unreadError ??= `${topic}: ${error instanceof Error ? error.message : String(error)}`;
        continue;
      }
      skippedGone += read.missing;
      const outgoing: OutgoingRecord[] = [];
      for (const original of read.found) {
        const letter = letterAt.get(`${original.partition}/${original.offset}`);
        if (!letter) continue;
        const signature = headerText(original.headers, SIGNATURE_HEADER);
        const resolved: DeadLetter = { ...letter, key: original.key, value: original.value, ...(signature === undefined ? {} : { signature }) };
        if (filter.keyPrefix !== undefined && !(keyText(resolved) ?? '').startsWith(filter.keyPrefix)) {
          matched -= 1;
          continue;
        }
        outgoing.push(replayRecord(resolved, dlqTopic));
      }
      await send(outgoing);
    }
  };
  try {
    const result = await readDeadLetters(
      kafka,
      { ...options, topic: dlqTopic, ...(filter.since !== undefined ? { since: filter.since } : {}), groupPrefix: `${DLQ_TOOL_GROUP_PREFIX}-replay` },
      async (records): Promise<BatchVerdict> => {
        scanned += records.length;
        const outgoing = [];
        for (const record of records) {
          if (outgoing.length >= left()) {
            stoppedAtLimit = true;
            break;
          }
          const decision = replayDecision(record, filter, seen);
          switch (decision.action) {
            case 'skip-filter':
              break;
            case 'skip-null-value':
              matched += 1;
              skippedNullValue += 1;
              break;
            case 'skip-truncated':
              matched += 1;
              skippedTruncated += 1;
              break;
            case 'skip-duplicate':
              matched += 1;
              skippedDuplicate += 1;
              break;
            case 'replay':
              matched += 1;
              outgoing.push(replayRecord(record, dlqTopic));
              break;
            case 'replay-in-place': {
              matched += 1;
              inPlacePending += 1;
              const topic = record.originalTopic ?? targetTopic;
              const partition = Number(record.originalPartition);
              const ofTopic = inPlace.get(topic) ?? new Map<number, DeadLetter[]>();
              inPlace.set(topic, ofTopic);
              const letters = ofTopic.get(partition);
              if (letters) letters.push(record);
              else ofTopic.set(partition, [record]);
              break;
            }
          }
        }
        await send(outgoing);
        if (inPlacePending >= IN_PLACE_CHUNK) await resolveInPlace();
        return stoppedAtLimit ? 'stop' : 'continue';
      },
    );
    await resolveInPlace();
    const lines: string[] = [];
    if (result.status === 'missing') {
      lines.push(`${dlqTopic} does not exist yet: nothing to replay.`);
    } else {
      lines.push(
        `${dlqTopic}: ${scanned} dead letters read, ${matched} selected${describeScope(filter)}.`,
        dryRun ? `Dry run: would replay ${replayed} to ${targetTopic}; nothing written.` : `Replayed ${replayed} to ${targetTopic}.`,
      );
      if (skippedNullValue > 0) lines.push(`Skipped ${skippedNullValue} with a null value (nothing to replay).`);
      if (skippedTruncated > 0) {
        lines.push(`Skipped ${skippedTruncated} whose value was cut to fit the dead-letter topic (the original was too large to replay).`);
      }
      if (skippedDuplicate > 0) lines.push(`Skipped ${skippedDuplicate} repeated dead letters of an original already replayed.`);
      if (unread > 0) lines.push(`Could not read the originals of ${unread} quota refusals, so they were not replayed: ${unreadError ?? 'unknown error'}. Run the replay again once that is fixed (what was replayed now would be replayed again: narrow it with --since).`);
      if (skippedGone > 0) {
        lines.push(`Skipped ${skippedGone} quota refusals whose original the telemetry topic no longer holds (they stay there for its retention only).`);
      }
      if (stoppedAtLimit) lines.push(`Reached --limit ${limit}: stopped there.`);
    }
    return {
      missing: result.status === 'missing',
      scanned,
      matched,
      replayed,
      skippedNullValue,
      skippedTruncated,
      skippedDuplicate,
      skippedGone,
      unread,
      stoppedAtLimit,
      report: lines.join('\n'),
    };
  } finally {
    await producer?.disconnect();
  }
}
