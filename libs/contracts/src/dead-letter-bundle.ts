/**
 * Dead letters of one batch that share a reason, many of them (a flood over its quota, a
 * producer sending garbage), go to the dead-letter topic as bundles: one Kafka record holding
 * many originals. Copying each original into a record of its own costs the engine about as much
 * as evaluating it (most of it kafkajs encoding the record and its headers), so a flood would
 * cost the other tenants as much refused as accepted. A bundle record carries the usual
 * `kanshi-dlq-*` headers (those of its first original) plus {@link DEAD_LETTER_BUNDLE_HEADER};
 * its value is the originals in the binary layout below. Readers (`npm run dlq`, the test tap)
 * unpack it into one dead letter per original.
 *
 * Layout, big-endian: `KDLB`, version byte 1, record count (uint32); then per record its
 * original offset (uint64), then key, value, signature header (latin1) and error (UTF-8), each as
 * an int32 length (-1 for none) followed by its bytes.
 */
export const DEAD_LETTER_BUNDLE_HEADER = 'kanshi-dlq-bundle';

/** One original in a bundle. */
export interface BundledDeadLetter {
  /** Its offset on the original topic and partition (those of the bundle's headers). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Its `kanshi-signature` header, so a replay carries it again. */
  readonly signature?: string;
  readonly error: string;
}

const MAGIC = Buffer.from('KDLB', 'latin1');
const VERSION = 1;
/** Longest error kept per original, as on a dead letter of its own. */
const MAX_ERROR_CHARS = 4000;

/** A bundle that cannot be read: named, so a reader can report the record and go on. */
export class DeadLetterBundleError extends Error {
  override readonly name = 'DeadLetterBundleError';
}

/** Bytes a record adds to a bundle (an upper bound for the error, which may be cut). */
export function bundledSize(record: BundledDeadLetter): number {
  return 8 + 16 + (record.key?.length ?? 0) + (record.value?.length ?? 0) + (record.signature?.length ?? 0) + Buffer.byteLength(record.error.slice(0, MAX_ERROR_CHARS));
}

export function encodeDeadLetterBundle(records: readonly BundledDeadLetter[]): Buffer {
  const parts: Buffer[] = [MAGIC, Buffer.from([VERSION]), uint32(records.length)];
  const field = (bytes: Buffer | null) => {
    parts.push(int32(bytes === null ? -1 : bytes.length));
    if (bytes !== null) parts.push(bytes);
  };
  for (const record of records) {
    const offset = Buffer.allocUnsafe(8);
    offset.writeBigUInt64BE(BigInt(record.offset));
    parts.push(offset);
    field(record.key);
    field(record.value);
    field(record.signature === undefined ? null : Buffer.from(record.signature, 'latin1'));
    field(Buffer.from(record.error.slice(0, MAX_ERROR_CHARS), 'utf8'));
  }
  return Buffer.concat(parts);
}

/** The originals of a bundle, in order; throws {@link DeadLetterBundleError} on a malformed one. */
export function decodeDeadLetterBundle(bundle: Buffer): BundledDeadLetter[] {
  if (bundle.length < 9 || !bundle.subarray(0, 4).equals(MAGIC)) throw new DeadLetterBundleError('not a dead-letter bundle (no KDLB header)');
  if (bundle[4] !== VERSION) throw new DeadLetterBundleError(`dead-letter bundle version ${String(bundle[4])} is not known; version ${VERSION} is`);
  const count = bundle.readUInt32BE(5);
  let at = 9;
  const need = (n: number) => {
    if (at + n > bundle.length) throw new DeadLetterBundleError(`dead-letter bundle ends at byte ${bundle.length}, inside its record ${records.length + 1} of ${count}`);
  };
  const field = (): Buffer | null => {
    need(4);
    const length = bundle.readInt32BE(at);
    at += 4;
    if (length < 0) return null;
    need(length);
    const bytes = bundle.subarray(at, at + length);
    at += length;
    return bytes;
  };
  const records: BundledDeadLetter[] = [];
  while (records.length < count) {
    need(8);
    const offset = bundle.readBigUInt64BE(at).toString();
    at += 8;
    const key = field();
    const value = field();
    const signature = field();
    const error = field();
    records.push({ offset, key, value, ...(signature === null ? {} : { signature: signature.toString('latin1') }), error: error?.toString('utf8') ?? '' });
  }
  if (at !== bundle.length) throw new DeadLetterBundleError(`dead-letter bundle has ${bundle.length - at} bytes after its ${count} records`);
  return records;
}

function uint32(n: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(n);
  return bytes;
}

function int32(n: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(n);
  return bytes;
}
