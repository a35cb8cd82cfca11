import { DEAD_LETTER_BUNDLE_HEADER, DEAD_LETTER_HEADERS, DEAD_LETTER_IN_PLACE_HEADER, decodeDeadLetterBundle, decodeInPlaceDeadLetters, SIGNATURE_HEADER } from '@kanshi/contracts';
import type { IHeaders } from 'kafkajs';

/** Header on a replayed record, so a replay is traceable (persisted: see @kanshi/contracts). */
export const REPLAYED_FROM_HEADER = DEAD_LETTER_HEADERS.replayedFrom;

/** Reason shown for a record that carries no reason header. */
export const NO_REASON = '(none)';

/** One record of the dead-letter topic, headers decoded. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  /** Its place in the bundle record at `offset`, when it came in one (see the contracts' dead-letter bundles). */
  readonly bundleIndex?: number;
  /** Kafka record timestamp, epoch milliseconds. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly reason: string;
  readonly error?: string;
  readonly originalTopic?: string;
  readonly originalPartition?: string;
  readonly originalOffset?: string;
  readonly failedAt?: string;
  /** Size of the original value when the dead letter kept only its start. */
  readonly truncatedFrom?: string;
  /** The original record's `kanshi-signature`, which a replay carries again. */
  readonly signature?: string;
  /**
   * Named by an in-place dead letter (a quota refusal): the original stays on its topic at
   * `originalOffset`, so `value` is null and `key` is only its tenant's prefix (`<tenant>:`);
   * a replay reads the original there.
   */
  readonly inPlace?: boolean;
}

/** The plain shape of a Kafka record as kafkajs hands it over. */
export interface RawRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

/** The first value of header `name` as text. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/**
 * The dead letters a record of the dead-letter topic holds: itself, or each original of a
 * bundle, with the bundle's headers and its own offset, key, value, signature and error. A
 * bundle that cannot be read is one dead letter without a value, its error saying why.
 */
export function toDeadLetters(partition: number, record: RawRecord): DeadLetter[] {
  const single = toDeadLetter(partition, record);
  if (headerText(record.headers, DEAD_LETTER_IN_PLACE_HEADER) !== undefined && record.value !== null) {
    try {
      const { tenant, ranges } = decodeInPlaceDeadLetters(record.value);
      const key = Buffer.from(`${tenant}:`, 'utf8');
      const letters: DeadLetter[] = [];
      for (const { from, to } of ranges) {
        for (let offset = from; offset <= to; offset += 1n) {
          letters.push({ ...single, bundleIndex: letters.length, key, value: null, originalOffset: offset.toString(), inPlace: true });
        }
      }
      return letters;
    } catch (error) {
      return [{ ...single, value: null, error: `unreadable in-place dead letter: ${(error as Error).message}` }];
    }
  }
  if (headerText(record.headers, DEAD_LETTER_BUNDLE_HEADER) === undefined || record.value === null) return [single];
  try {
    return decodeDeadLetterBundle(record.value).map((original, bundleIndex) => {
      const { signature: _bundleSignature, truncatedFrom: _bundleTruncation, ...shared } = single;
      return {
        ...shared,
        bundleIndex,
        key: original.key,
        value: original.value,
        error: original.error,
        originalOffset: original.offset,
        ...(original.signature === undefined ? {} : { signature: original.signature }),
      };
    });
  } catch (error) {
    return [{ ...single, value: null, error: `unreadable dead-letter bundle: ${(error as Error).message}` }];
  }
}

export function toDeadLetter(partition: number, record: RawRecord): DeadLetter {
  const h = record.headers;
  const optional = (field: keyof DeadLetter, name: string) => {
    const text = headerText(h, name);
    return text === undefined ? {} : { [field]: text };
  };
  return {
    partition,
    offset: record.offset,
    timestamp: Number(record.timestamp),
    key: record.key,
    value: record.value,
    reason: headerText(h, DEAD_LETTER_HEADERS.reason) ?? NO_REASON,
    ...optional('error', DEAD_LETTER_HEADERS.error),
    ...optional('originalTopic', DEAD_LETTER_HEADERS.originalTopic),
    ...optional('originalPartition', DEAD_LETTER_HEADERS.originalPartition),
    ...optional('originalOffset', DEAD_LETTER_HEADERS.originalOffset),
    ...optional('failedAt', DEAD_LETTER_HEADERS.failedAt),
    ...optional('truncatedFrom', DEAD_LETTER_HEADERS.truncatedFrom),
    ...optional('signature', SIGNATURE_HEADER),
  };
}

/** `topic/partition/offset` of the record the engine dead-lettered, when the headers say. */
export function originalCoordinates(record: DeadLetter): string | undefined {
  const { originalTopic, originalPartition, originalOffset } = record;
  if (originalTopic === undefined || originalPartition === undefined || originalOffset === undefined) return undefined;
  return `${originalTopic}/${originalPartition}/${originalOffset}`;
}

export function keyText(record: DeadLetter): string | null {
  return record.key === null ? null : record.key.toString('utf8');
}

/** Which dead letters a command looks at; every given field must match. */
export interface DeadLetterFilter {
  readonly reason?: string;
  readonly keyPrefix?: string;
  /** Record timestamp at or after, epoch milliseconds. */
  readonly since?: number;
  /** Record timestamp before, epoch milliseconds. */
  readonly until?: number;
}

/**
 * Whether a dead letter is selected. An in-place one knows only its tenant's key prefix: it
 * matches a longer prefix of that tenant too, and a replay checks the original's own key.
 */
export function matchesFilter(record: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.reason !== undefined && record.reason !== filter.reason) return false;
  const key = keyText(record) ?? '';
  if (filter.keyPrefix !== undefined && !key.startsWith(filter.keyPrefix) && !(record.inPlace === true && filter.keyPrefix.startsWith(key))) return false;
  if (filter.since !== undefined && record.timestamp < filter.since) return false;
  if (filter.until !== undefined && record.timestamp >= filter.until) return false;
  return true;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Counts by reason and original topic, with the first few records of each reason as samples. */
export class DeadLetterSummary {
  total = 0;
  readonly byReason = new Map<string, number>();
  readonly byOriginalTopic = new Map<string, number>();
  readonly samples = new Map<string, DeadLetter[]>();
  /** Original records seen; one original dead-lettered twice (a redelivered batch) counts once. */
  readonly originals = new Set<string>();
  oldest: number | undefined;
  newest: number | undefined;

  constructor(private readonly samplesPerReason: number) {}

  add(record: DeadLetter): void {
    this.total += 1;
    increment(this.byReason, record.reason);
    increment(this.byOriginalTopic, record.originalTopic ?? '(unknown)');
    this.originals.add(originalCoordinates(record) ?? `dlq/${dlqPlace(record)}`);
    const samples = this.samples.get(record.reason) ?? [];
    if (samples.length < this.samplesPerReason) {
      // Drop the value: samples are for the error header, and a value may be large.
      samples.push({ ...record, value: null });
      this.samples.set(record.reason, samples);
    }
    if (Number.isFinite(record.timestamp)) {
      this.oldest = Math.min(this.oldest ?? record.timestamp, record.timestamp);
      this.newest = Math.max(this.newest ?? record.timestamp, record.timestamp);
    }
  }
}

function sortedCounts(counts: ReadonlyMap<string, number>): [string, number][] {
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

function table(counts: ReadonlyMap<string, number>): string[] {
  const rows = sortedCounts(counts);
  const width = Math.max(...rows.map(([name]) => name.length));
  const countWidth = Math.max(...rows.map(([, n]) => String(n).length));
  return rows.map(([name, n]) => `  ${name.padEnd(width)}  ${String(n).padStart(countWidth)}`);
}

function isoTime(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '?' : new Date(ms).toISOString();
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function formatSample(record: DeadLetter): string {
  const key = keyText(record);
  const origin = `${record.originalTopic ?? '?'}/${record.originalPartition ?? '?'}@${record.originalOffset ?? '?'}`;
  const at = record.failedAt ?? isoTime(record.timestamp);
  return (
    `    key ${key === null ? '(null)' : JSON.stringify(oneLine(key, 80))}, from ${origin}, at ${at}` +
    ` (dlq ${dlqPlace(record)})\n      ${oneLine(record.error ?? '(no error header)', 300)}`
  );
}

/** The `inspect` report as printed. */
export function formatSummary(summary: DeadLetterSummary, topic: string, scope: string): string {
  if (summary.total === 0) return `${topic}: no dead letters${scope}.`;
  const lines = [
    `${topic}: ${summary.total} dead letter${summary.total === 1 ? '' : 's'}${scope}, written ${isoTime(summary.oldest)} .. ${isoTime(summary.newest)}`,
    `${summary.originals.size} distinct original record${summary.originals.size === 1 ? '' : 's'}` +
      (summary.originals.size < summary.total ? ' (some were dead-lettered more than once)' : ''),
    '',
    'By reason:',
    ...table(summary.byReason),
    '',
    'By original topic:',
    ...table(summary.byOriginalTopic),
  ];
  const withSamples = sortedCounts(summary.byReason).filter(([reason]) => (summary.samples.get(reason) ?? []).length > 0);
  if (withSamples.length > 0) {
    lines.push('', 'Samples:');
    for (const [reason] of withSamples) {
      lines.push(`  ${reason}`, ...(summary.samples.get(reason) ?? []).map(formatSample));
    }
  }
  return lines.join('\n');
}

/** What a replay does with each selected record, decided without I/O. */
export type ReplayDecision =
  | { readonly action: 'skip-filter' }
  | { readonly action: 'skip-null-value' }
  | { readonly action: 'skip-truncated' }
  | { readonly action: 'skip-duplicate' }
  | { readonly action: 'replay' }
  /** An in-place dead letter: the original is read from its topic, then replayed if its key matches. */
  | { readonly action: 'replay-in-place' };

/**
 * `seen` holds the original coordinates already replayed in this run: an original the engine
 * dead-lettered twice goes back once. Records without original headers are never deduplicated.
 */
export function replayDecision(record: DeadLetter, filter: DeadLetterFilter, seen?: Set<string>): ReplayDecision {
  if (!matchesFilter(record, filter)) return { action: 'skip-filter' };
  if (record.value === null && record.inPlace !== true) return { action: 'skip-null-value' };
  // Only the start of the original was kept: replaying it would only be dead-lettered again.
  if (record.truncatedFrom !== undefined) return { action: 'skip-truncated' };
  const original = originalCoordinates(record);
  if (seen && original !== undefined) {
    if (seen.has(original)) return { action: 'skip-duplicate' };
    seen.add(original);
  }
  return { action: record.inPlace === true ? 'replay-in-place' : 'replay' };
}

/** `<partition>@<offset>` of a dead letter on its topic, with `#<index>` for one in a bundle. */
function dlqPlace(record: DeadLetter): string {
  return `${record.partition}@${record.offset}${record.bundleIndex === undefined ? '' : `#${record.bundleIndex}`}`;
}

/** The record produced back to the telemetry topic: original key and value, plus provenance. */
export function replayRecord(record: DeadLetter, dlqTopic: string): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  return {
    key: record.key,
    value: record.value,
    // The producer's signature goes back with the record: the engine checks it again.
    headers: { [REPLAYED_FROM_HEADER]: `${dlqTopic}/${record.partition}/${record.offset}${record.bundleIndex === undefined ? '' : `#${record.bundleIndex}`}`, ...(record.signature ? { [SIGNATURE_HEADER]: record.signature } : {}) },
  };
}
