/**
 * Dead letters that stay in place: records refused for a reason of {@link IN_PLACE_REASONS}
 * (a tenant over its quota) are intact and were simply too many, so the engine does not copy
 * them to the dead-letter topic. It writes one record per tenant and batch that names the
 * refused records by their offsets on the original topic and partition, as ranges. Copying a
 * flood would cost the engine and the broker as much again as the flood itself, on the
 * partitions the other tenants share; naming it costs a few bytes per run of offsets.
 *
 * The record carries the usual `kanshi-dlq-*` headers (those of its first original, so
 * `kanshi-dlq-original-offset` is the first offset) plus {@link DEAD_LETTER_IN_PLACE_HEADER}
 * with the number of originals; its key is `<tenant>:` (the prefix every original's key has);
 * its value is JSON: `{"version":1,"tenant":"…","ranges":[["from","to"],…]}`, offsets inclusive,
 * as decimal strings, in order. The originals stay on the telemetry topic for its retention:
 * `npm run dlq -- replay` reads them from there.
 */
export const DEAD_LETTER_IN_PLACE_HEADER = 'kanshi-dlq-in-place';

/** Reasons whose dead letters stay in place (see above); every other reason is copied. */
export const IN_PLACE_REASONS: ReadonlySet<string> = new Set(['QUOTA_EXCEEDED']);

/** Offsets `from` to `to`, both included, on the original topic and partition. */
export interface OffsetRange {
  readonly from: bigint;
  readonly to: bigint;
}

/** The value of an in-place dead letter, decoded. */
export interface InPlaceDeadLetters {
  readonly tenant: string;
  readonly ranges: readonly OffsetRange[];
}

const VERSION = 1;
/** Most originals one in-place dead letter names; a reader refuses more (a value it would have to expand without bound). */
export const IN_PLACE_MAX_ORIGINALS = 65_536;
/** The largest Kafka offset (int64). */
const MAX_OFFSET = 9_223_372_036_854_775_807n;

/** A value that is not an in-place dead letter: named, so a reader can report the record and go on. */
export class InPlaceDeadLetterError extends Error {
  override readonly name = 'InPlaceDeadLetterError';
}

/** Offsets in increasing order as ranges of consecutive ones. */
export function offsetRanges(offsets: Iterable<bigint>): OffsetRange[] {
  const ranges: { from: bigint; to: bigint }[] = [];
  for (const offset of offsets) {
    const last = ranges.at(-1);
    if (last !== undefined && offset === last.to + 1n) last.to = offset;
    else ranges.push({ from: offset, to: offset });
  }
  return ranges;
}

/** How many originals `ranges` name. */
export function rangeCount(ranges: readonly OffsetRange[]): number {
  return ranges.reduce((sum, r) => sum + Number(r.to - r.from + 1n), 0);
}

/**
 * `ranges` (in order) cut into parts of at most `maxRanges` ranges and
 * {@link IN_PLACE_MAX_ORIGINALS} originals each, a range split where a part fills up.
 */
export function inPlaceParts(ranges: readonly OffsetRange[], maxRanges: number): OffsetRange[][] {
  const parts: OffsetRange[][] = [];
  let part: OffsetRange[] = [];
  let count = 0;
  for (const range of ranges) {
    let { from } = range;
    while (from <= range.to) {
      if (part.length >= maxRanges || count >= IN_PLACE_MAX_ORIGINALS) {
        parts.push(part);
        part = [];
        count = 0;
      }
      const room = BigInt(IN_PLACE_MAX_ORIGINALS - count);
      const to = range.to - from + 1n > room ? from + room - 1n : range.to;
      part.push({ from, to });
      count += Number(to - from + 1n);
      from = to + 1n;
    }
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

export function encodeInPlaceDeadLetters({ tenant, ranges }: InPlaceDeadLetters): Buffer {
  return Buffer.from(JSON.stringify({ version: VERSION, tenant, ranges: ranges.map((r) => [r.from.toString(), r.to.toString()]) }), 'utf8');
}

const OFFSET = /^\d{1,19}$/;

/** The tenant and ranges of an in-place dead letter; throws {@link InPlaceDeadLetterError} on a malformed one. */
export function decodeInPlaceDeadLetters(value: Buffer): InPlaceDeadLetters {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new InPlaceDeadLetterError('in-place dead letter is not JSON');
  }
  const body = parsed as { version?: unknown; tenant?: unknown; ranges?: unknown };
  if (typeof parsed !== 'object' || parsed === null) throw new InPlaceDeadLetterError('in-place dead letter is not a JSON object');
  if (body.version !== VERSION) throw new InPlaceDeadLetterError(`in-place dead letter version ${String(body.version)} is not known; version ${VERSION} is`);
  if (typeof body.tenant !== 'string') throw new InPlaceDeadLetterError('in-place dead letter has no tenant');
  if (!Array.isArray(body.ranges)) throw new InPlaceDeadLetterError('in-place dead letter has no ranges');
  const ranges = body.ranges.map((range: unknown, i) => {
    const [from, to] = Array.isArray(range) ? (range as unknown[]) : [];
    if (typeof from !== 'string' || typeof to !== 'string' || !OFFSET.test(from) || !OFFSET.test(to) || BigInt(from) > BigInt(to) || BigInt(to) > MAX_OFFSET) {
      throw new InPlaceDeadLetterError(`in-place dead letter range ${i + 1} is not ["from","to"] with from <= to, both Kafka offsets`);
    }
    return { from: BigInt(from), to: BigInt(to) };
  });
  if (rangeCount(ranges) > IN_PLACE_MAX_ORIGINALS) throw new InPlaceDeadLetterError(`in-place dead letter names more than ${IN_PLACE_MAX_ORIGINALS} originals`);
  return { tenant: body.tenant, ranges };
}
