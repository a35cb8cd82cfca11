import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The `prev` of a tenant's first entry: no entry came before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a source table recorded, waiting to be sealed into the ledger. */
export interface EvidenceRecord {
  /** The table the record comes from (`alert_history`, `audit_log`, `models` …). */
  readonly source: string;
  /** `insert`, `update` or `delete`. */
  readonly op: string;
  /** When the change was made (ISO 8601). */
  readonly at: string;
  /** The rows one statement inserted, as an array; or one row's change as `{old, new}` (`old` null for an insert, `new` for a delete). */
  readonly data: unknown;
}

/** One sealed entry: its canonical text and the SHA-256 of that text, hex. */
export interface LedgerEntry {
  readonly seq: number;
  readonly entry: string;
  readonly hash: string;
}

/** The last entry of a tenant's chain (`seq` 0 and {@link GENESIS_HASH} before the first). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** An entry as its canonical text holds it. */
export interface EntryBody extends EvidenceRecord {
  readonly tenant_id: string;
  readonly seq: number;
  /** The hash of the entry before it. */
  readonly prev: string;
}

/**
 * The entry's canonical text. Data without a canonical form (a number JSON cannot carry, which
 * no row of PostgreSQL should hold) is kept as its plain JSON text beside the reason, so one odd
 * value never stops a tenant's chain.
 */
function canonicalEntry(body: EntryBody): string {
  try {
    return canonicalJson(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return canonicalJson({ ...body, data: { not_canonical: reason, json: JSON.stringify(body.data) ?? null } });
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Chains `records` after `head`, in the order given: each entry holds its tenant, its sequence
 * number and the previous entry's hash, and its hash covers all of that, so changing, removing,
 * inserting or reordering an entry breaks every hash after it.
 */
export function chainRecords(tenantId: string, head: ChainHead, records: readonly EvidenceRecord[]): { entries: LedgerEntry[]; head: ChainHead } {
  let { seq, hash } = head;
  const entries: LedgerEntry[] = [];
  for (const record of records) {
    seq += 1;
    const entry = canonicalEntry({ tenant_id: tenantId, seq, prev: hash, source: record.source, op: record.op, at: record.at, data: record.data });
    hash = sha256Hex(entry);
    entries.push({ seq, entry, hash });
  }
  return { entries, head: { seq, hash } };
}
