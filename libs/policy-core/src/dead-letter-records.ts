import {
  bundledSize,
  DEAD_LETTER_BUNDLE_HEADER,
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_IN_PLACE_HEADER,
  encodeDeadLetterBundle,
  encodeInPlaceDeadLetters,
  IN_PLACE_REASONS,
  inPlaceParts,
  offsetRanges,
  rangeCount,
  SIGNATURE_HEADER,
  type BundledDeadLetter,
  type DeadLetterReason,
} from '@kanshi/contracts';
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
  const signature = signatureOf(record);
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

function signatureOf(record: DeadLetter['record']): string | undefined {
  const original = record.headers?.[SIGNATURE_HEADER];
  const first = Array.isArray(original) ? original[0] : original;
  return first === undefined ? undefined : typeof first === 'string' ? first : first.toString('latin1');
}

/** From this many dead letters of one reason in a batch, they go in bundles. */
export const BUNDLE_FROM = 16;
/** Most bytes of originals in one bundle: with its headers it stays within one produce request. */
export const BUNDLE_MAX_BYTES = 384 * 1024;

/** Most offset ranges one in-place dead letter names (about 40 bytes each). */
export const IN_PLACE_MAX_RANGES = 8192;

/**
 * The dead-letter records of a batch's dead letters (all from one partition). Refusals of a
 * reason that leaves the original intact (a tenant over its quota, see `IN_PLACE_REASONS` in the
 * contracts) stay in place: one record per tenant and error names their offsets. Many of any
 * other reason go as bundles (see `DEAD_LETTER_BUNDLE_HEADER`), each carrying the headers of its
 * first original and the count. Either way a flood of refused records costs the engine a few
 * records to write, not one per original. An original over `maxValueBytes` always goes alone, cut.
 */
export function toDeadLetterRecords(deadLetters: readonly DeadLetter[], consumerGroup: string, maxValueBytes: number): OutgoingRecord[] {
  // In place: by tenant, then by error text (one string per tenant and quota in a batch, so the
  // look-up hashes it once); no key is built per record.
  const inPlace = new Map<string, Map<string, DeadLetter[]>>();
  const byReason = new Map<string, DeadLetter[]>();
  for (const dead of deadLetters) {
    let same: DeadLetter[] | undefined;
    if (dead.tenantId !== undefined && IN_PLACE_REASONS.has(dead.reason)) {
      let ofTenant = inPlace.get(dead.tenantId);
      if (!ofTenant) inPlace.set(dead.tenantId, (ofTenant = new Map<string, DeadLetter[]>()));
      same = ofTenant.get(dead.error);
      if (!same) ofTenant.set(dead.error, (same = []));
    } else {
      same = byReason.get(dead.reason);
      if (!same) byReason.set(dead.reason, (same = []));
    }
    same.push(dead);
  }
  const records: OutgoingRecord[] = [];
  for (const ofTenant of inPlace.values()) for (const same of ofTenant.values()) records.push(...inPlaceRecords(same, consumerGroup, maxValueBytes));
  for (const same of byReason.values()) {
    let bundle: { first: DeadLetter; originals: BundledDeadLetter[]; bytes: number } | undefined;
    const close = () => {
      if (!bundle) return;
      const { first, originals } = bundle;
      const headers = toDeadLetterRecord(first, consumerGroup, maxValueBytes).headers;
      records.push({ key: null, value: encodeDeadLetterBundle(originals), headers: { ...headers, [DEAD_LETTER_BUNDLE_HEADER]: String(originals.length) } });
      bundle = undefined;
    };
    for (const dead of same) {
      if (same.length < BUNDLE_FROM || (dead.record.value !== null && dead.record.value.length > maxValueBytes)) {
        records.push(toDeadLetterRecord(dead, consumerGroup, maxValueBytes));
        continue;
      }
      const signature = signatureOf(dead.record);
      const original: BundledDeadLetter = { offset: dead.record.offset, key: dead.record.key, value: dead.record.value, error: dead.error, ...(signature === undefined ? {} : { signature }) };
      const size = bundledSize(original);
      if (bundle && bundle.bytes + size > BUNDLE_MAX_BYTES) close();
      bundle ??= { first: dead, originals: [], bytes: 0 };
      bundle.originals.push(original);
      bundle.bytes += size;
    }
    close();
  }
  return records;
}

/** The in-place dead letters of one tenant's refusals with one error, in order of their offsets. */
function inPlaceRecords(same: readonly DeadLetter[], consumerGroup: string, maxValueBytes: number): OutgoingRecord[] {
  const [first] = same;
  if (first?.tenantId === undefined) return [];
  const { tenantId } = first;
  // In order even when a batch's second pass (after an inventory reload) refused some more.
  const offsets = same.map((d) => BigInt(d.record.offset)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const { [SIGNATURE_HEADER]: _signature, [DEAD_LETTER_HEADERS.truncatedFrom]: _truncated, ...headers } = toDeadLetterRecord(first, consumerGroup, maxValueBytes).headers ?? {};
  return inPlaceParts(offsetRanges(offsets), IN_PLACE_MAX_RANGES).map((part) => ({
    key: `${tenantId}:`,
    value: encodeInPlaceDeadLetters({ tenant: tenantId, ranges: part }),
    headers: { ...headers, [DEAD_LETTER_HEADERS.originalOffset]: String(part[0]?.from), [DEAD_LETTER_IN_PLACE_HEADER]: String(rangeCount(part)) },
  }));
}

/** One reason's dead letters of a batch: how many, and where and why the first was refused (its error cut). */
export interface DeadLetterTally {
  readonly reason: DeadLetterReason;
  readonly count: number;
  readonly sample: string;
}

/** The batch's dead letters by reason, for a log line (a producer can multiply the records, not the reasons). */
export function tallyDeadLetters(deadLetters: readonly DeadLetter[]): DeadLetterTally[] {
  const byReason = new Map<DeadLetterReason, { count: number; first: DeadLetter }>();
  for (const dead of deadLetters) {
    const seen = byReason.get(dead.reason);
    if (seen) seen.count += 1;
    else byReason.set(dead.reason, { count: 1, first: dead });
  }
  return [...byReason].map(([reason, { count, first }]) => {
    const error = first.error.length > 300 ? `${first.error.slice(0, 300)}…` : first.error;
    return { reason, count, sample: `${first.record.topic}/${first.record.partition}@${first.record.offset}: ${error}` };
  });
}
