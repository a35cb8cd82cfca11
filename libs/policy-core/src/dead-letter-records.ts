import { DEAD_LETTER_HEADERS, SIGNATURE_HEADER } from '@kanshi/contracts';
import type { OutgoingRecord } from '@kanshi/messaging';
import type { DeadLetter } from './telemetry-batch.processor';

/**
 * The dead-letter record for a refused telemetry record, with the producer's signature kept so
 * that a replay can carry it again. A value over `maxValueBytes` (the
 * engine's event size limit, so only `TOO_LARGE` ones) keeps only its start: whole, with the
 * headers added, it may not fit the dead-letter topic, and a send the broker refuses would be
 * retried forever and stop the partition.
 */
export function toDeadLetterRecord({ record, reason, error }: DeadLetter, consumerGroup: string, maxValueBytes: number): OutgoingRecord {
  const truncated = record.value !== null && record.value.length > maxValueBytes;
  const original = record.headers?.[SIGNATURE_HEADER];
  const first = Array.isArray(original) ? original[0] : original;
  const signature = first === undefined ? undefined : typeof first === 'string' ? first : first.toString('latin1');
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
      ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }),
    },
  };
}

/**
 * One log line per reason for a batch's dead letters: how many, and the first one's place and
 * error. A line per record would let a producer that sends garbage fill the engine's log (and
 * spend its time writing it) as fast as it can send; the records themselves are on the
 * dead-letter topic.
 */
export function summarizeDeadLetters(deadLetters: readonly DeadLetter[]): string[] {
  const byReason = new Map<string, { count: number; first: DeadLetter }>();
  for (const dead of deadLetters) {
    const seen = byReason.get(dead.reason);
    if (seen) seen.count += 1;
    else byReason.set(dead.reason, { count: 1, first: dead });
  }
  return [...byReason].map(([reason, { count, first }]) => {
    const where = `${first.record.topic}/${first.record.partition}@${first.record.offset}`;
    const error = first.error.length > 300 ? `${first.error.slice(0, 300)}…` : first.error;
    return count === 1
      ? `dead-lettered ${where}: ${reason}: ${error}`
      : `dead-lettered ${count} records as ${reason}; the first, ${where}: ${error}`;
  });
}
