import { DEAD_LETTER_HEADERS } from '@kanshi/contracts';
import type { OutgoingRecord } from '@kanshi/messaging';
import type { DeadLetter } from './telemetry-batch.processor';

/**
 * Bytes of keys and values per produce request to the dead-letter topic. A request holds one
 * record batch per partition and the broker refuses a batch over `max.message.bytes` (1 MiB by
 * default); headers and the batch framing need the rest.
 */
export const DEAD_LETTER_SEND_BYTES = 512 * 1024;

/**
 * The dead-letter record for a refused telemetry record. A value over `maxValueBytes` (the
 * engine's event size limit, so only `TOO_LARGE` ones) keeps only its start: whole, with the
 * headers added, it may not fit the dead-letter topic, and a send the broker refuses would be
 * retried forever and stop the partition.
 */
export function toDeadLetterRecord({ record, reason, error }: DeadLetter, consumerGroup: string, maxValueBytes: number): OutgoingRecord {
  const truncated = record.value !== null && record.value.length > maxValueBytes;
  return {
    key: record.key ? record.key.toString('utf8') : null,
    value: truncated ? (record.value?.subarray(0, maxValueBytes) ?? null) : record.value,
    headers: {
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.error]: error.slice(0, 4000),
      [DEAD_LETTER_HEADERS.originalTopic]: record.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(record.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: record.offset,
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
      [DEAD_LETTER_HEADERS.consumerGroup]: consumerGroup,
      ...(truncated ? { [DEAD_LETTER_HEADERS.truncatedFrom]: String(record.value?.length) } : {}),
    },
  };
}

function sizeOf(record: OutgoingRecord): number {
  const bytes = (part: string | Buffer | null) => (part === null ? 0 : typeof part === 'string' ? Buffer.byteLength(part) : part.length);
  return bytes(record.key) + bytes(record.value);
}

/** Splits records, in order, into requests of at most `maxBytes` of keys and values; a larger record goes alone. */
export function sendChunks(records: readonly OutgoingRecord[], maxBytes = DEAD_LETTER_SEND_BYTES): OutgoingRecord[][] {
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
