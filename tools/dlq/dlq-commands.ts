import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { SIGNATURE_HEADER } from '@kanshi/contracts';
import { DLQ_TOOL_GROUP_PREFIX, readRecordsAt, requestChunks, TELEMETRY_PARTITIONER, type OutgoingRecord } from '@kanshi/messaging';
import { RateLimiter, systemClock, type Clock } from '@kanshi/telemetry-client';
import { DeadLetterSummary, formatSummary, keyText, replayDecision, replayRecord, type DeadLetter, type DeadLetterFilter } from './dead-letter';
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
  let stoppedAtLimit = false;
  const seen = new Set<string>();
  /** In-place dead letters selected, by original topic and partition: their originals are read there after the dead letters. */
  const inPlace = new Map<string, Map<number, DeadLetter[]>>();
  let inPlaceSelected = 0;
  const send = async (outgoing: OutgoingRecord[]) => {
    // Bundles unpack into many records: sent in requests the broker accepts.
    for (const messages of producer ? replaySends(outgoing, rate) : []) {
      if (pace) for (let i = 0; i < messages.length; i += 1) await pace.take();
      await producer?.send({ topic: targetTopic, acks: -1, compression: CompressionTypes.GZIP, messages });
    }
    replayed += outgoing.length;
  };
  try {
    const result = await readDeadLetters(
      kafka,
      { ...options, topic: dlqTopic, ...(filter.since !== undefined ? { since: filter.since } : {}), groupPrefix: `${DLQ_TOOL_GROUP_PREFIX}-replay` },
      async (records): Promise<BatchVerdict> => {
        scanned += records.length;
        const outgoing = [];
        for (const record of records) {
          if (limit !== undefined && replayed + inPlaceSelected + outgoing.length >= limit) {
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
              inPlaceSelected += 1;
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
        if (limit !== undefined && replayed + inPlaceSelected >= limit) stoppedAtLimit = true;
        return stoppedAtLimit ? 'stop' : 'continue';
      },
    );
    // The originals of in-place dead letters, read from their topic, replayed if their own key matches.
    for (const [topic, partitions] of inPlace) {
      const letterAt = new Map<string, DeadLetter>();
      const wanted = new Map<number, bigint[]>();
      for (const [partition, letters] of partitions) {
        const offsets = letters.map((l) => BigInt(l.originalOffset ?? '-1')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        wanted.set(partition, offsets);
        for (const letter of letters) letterAt.set(`${partition}/${letter.originalOffset ?? ''}`, letter);
      }
      const { found, missing } = await readRecordsAt(kafka, topic, wanted, { groupPrefix: `${DLQ_TOOL_GROUP_PREFIX}-replay`, ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }) });
      skippedGone += missing;
      const outgoing: OutgoingRecord[] = [];
      for (const original of found) {
        const letter = letterAt.get(`${original.partition}/${original.offset}`);
        if (!letter) continue;
        const signature = original.headers[SIGNATURE_HEADER];
        const first = Array.isArray(signature) ? signature[0] : signature;
        const resolved: DeadLetter = {
          ...letter,
          key: original.key,
          value: original.value,
          ...(first === undefined ? {} : { signature: first.toString() }),
        };
        if (filter.keyPrefix !== undefined && !(keyText(resolved) ?? '').startsWith(filter.keyPrefix)) {
          matched -= 1;
          continue;
        }
        outgoing.push(replayRecord(resolved, dlqTopic));
      }
      await send(outgoing);
    }
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
      stoppedAtLimit,
      report: lines.join('\n'),
    };
  } finally {
    await producer?.disconnect();
  }
}
