import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { checkpointSignatureValid, type Checkpoint } from './evidence-signer';
import { GENESIS_HASH, sha256Hex, type LedgerEntry } from './ledger-chain';

/** What is wrong with the first bad entry (or checkpoint). */
export type LedgerProblemKind =
  /** A sequence number is missing: an entry was deleted. */
  | 'missing'
  /** The entry's text does not hash to its stored hash, or is not canonical JSON: it was edited. */
  | 'edited'
  /** The entry names another position or tenant than the one it sits at: it was moved or inserted. */
  | 'misplaced'
  /** The entry does not follow the hash of the entry before it: something was inserted, deleted or reordered before it. */
  | 'unlinked'
  /** A signed checkpoint says the chain had another hash at this entry: the chain up to here was rewritten. */
  | 'checkpoint-mismatch'
  /** A checkpoint's signature does not verify with the published key. */
  | 'bad-signature'
  /** A signed checkpoint is past the last entry: entries at the end were deleted. */
  | 'truncated';

export interface LedgerProblem {
  readonly seq: number;
  readonly kind: LedgerProblemKind;
  readonly message: string;
}

export interface LedgerReport {
  readonly ok: boolean;
  readonly tenant_id: string;
  readonly entries: number;
  readonly first_seq: number | null;
  readonly last_seq: number | null;
  /** The hash of the last entry checked. */
  readonly head_hash: string | null;
  /** Signed checkpoints within the range, and how many of them matched the chain. */
  readonly checkpoints: { readonly checked: number; readonly matched: number };
  /** The first problem in sequence order; absent when the range verifies. */
  readonly problem?: LedgerProblem;
}

export interface VerifyRange {
  /** The first sequence number expected; 1 (the default) also expects the genesis link. */
  readonly fromSeq?: number;
  /** The hash the entry at `fromSeq` must follow (the entry before it, or a checkpoint's); from 1, the genesis hash. */
  readonly prevHash?: string;
  /** The last sequence number of the range; a checkpoint past it is not checked. Default: no end (the whole chain). */
  readonly toSeq?: number;
  /** The sequence number the chain's head says is last: entries missing before it are named. */
  readonly expectLastSeq?: number;
}

/**
 * Checks a tenant's chain entry by entry, in sequence order, holding only the last hash (so a
 * chain of any length verifies in constant memory), and names the first bad entry. Signed
 * checkpoints anchor it: a chain rewritten consistently from some entry on (every hash
 * recomputed) still differs from the hash a checkpoint signed, and a chain cut short ends before
 * a checkpoint. Entries after the last checkpoint are protected by the chain alone.
 */
export class LedgerVerifier {
  private readonly checkpointAt = new Map<number, Checkpoint[]>();
  private readonly fromSeq: number;
  private readonly toSeq: number;
  private readonly expectLastSeq: number | undefined;
  private expected: number;
  private prev: string | undefined;
  private count = 0;
  private checked = 0;
  private matched = 0;
  private problem: LedgerProblem | undefined;

  constructor(
    private readonly tenantId: string,
    checkpoints: readonly Checkpoint[],
    keys: ReadonlyMap<string, KeyObject>,
    range: VerifyRange = {},
  ) {
    this.fromSeq = range.fromSeq ?? 1;
    this.toSeq = range.toSeq ?? Number.MAX_SAFE_INTEGER;
    this.expectLastSeq = range.expectLastSeq;
    this.expected = this.fromSeq;
    this.prev = range.prevHash ?? (this.fromSeq === 1 ? GENESIS_HASH : undefined);
    for (const c of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
      if (c.seq < this.fromSeq || c.seq > this.toSeq || c.tenant_id !== tenantId) continue;
      if (!checkpointSignatureValid(c, keys)) {
        this.fail(c.seq, 'bad-signature', `the checkpoint signed at ${c.signed_at} for entry ${c.seq} does not verify with key ${c.key_id}`);
        continue;
      }
      const at = this.checkpointAt.get(c.seq);
      if (at) at.push(c);
      else this.checkpointAt.set(c.seq, [c]);
    }
  }

  /** Checks the next entry (entries must come in ascending `seq`, as stored); `at`, when given, is the time stored beside it. */
  add(row: LedgerEntry & { readonly at?: string }): void {
    if (this.problem && this.problem.seq <= row.seq) return;
    this.count += 1;
    if (row.seq > this.toSeq) {
      this.fail(row.seq, 'misplaced', `entry ${row.seq} is past the end of the range (entry ${this.toSeq})`);
      return;
    }
    if (row.seq !== this.expected) {
      this.fail(this.expected, 'missing', row.seq > this.expected ? `entry ${this.expected} is missing (the next one is ${row.seq})` : `entry ${row.seq} appears twice or out of order`);
      return;
    }
    let body: { tenant_id?: unknown; seq?: unknown; prev?: unknown; at?: unknown };
    try {
      body = JSON.parse(row.entry) as typeof body;
      if (canonicalJson(body) !== row.entry) throw new Error('not canonical');
    } catch {
      this.fail(row.seq, 'edited', `entry ${row.seq} is not canonical JSON: its text was edited`);
      return;
    }
    if (sha256Hex(row.entry) !== row.hash) {
      this.fail(row.seq, 'edited', `entry ${row.seq} does not hash to its stored hash: its text or its hash was edited`);
      return;
    }
    if (row.at !== undefined && body.at !== row.at) {
      this.fail(row.seq, 'edited', `entry ${row.seq} is stored at ${row.at} but says ${String(body.at)}: its time was edited`);
      return;
    }
    if (body.seq !== row.seq || body.tenant_id !== this.tenantId) {
      this.fail(row.seq, 'misplaced', `entry ${row.seq} holds the text of entry ${String(body.seq)} of tenant "${String(body.tenant_id)}": entries were moved or inserted`);
      return;
    }
    if (this.prev !== undefined && body.prev !== this.prev) {
      this.fail(row.seq, 'unlinked', `entry ${row.seq} does not follow entry ${row.seq - 1}: entries were inserted, deleted or reordered before it`);
      return;
    }
    for (const c of this.checkpointAt.get(row.seq) ?? []) {
      this.checked += 1;
      if (c.hash !== row.hash) {
        this.fail(row.seq, 'checkpoint-mismatch', `entry ${row.seq} differs from the checkpoint signed at ${c.signed_at}: the chain up to it was rewritten`);
        return;
      }
      this.matched += 1;
    }
    this.prev = row.hash;
    this.expected = row.seq + 1;
  }

  /** The report once every entry of the range was added. */
  finish(): LedgerReport {
    const last = this.expected - 1;
    if (this.problem === undefined && this.expectLastSeq !== undefined && last < this.expectLastSeq) {
      this.fail(last + 1, 'missing', `entries ${last + 1} to ${this.expectLastSeq} are missing: the chain's head is entry ${this.expectLastSeq}`);
    }
    if (this.problem === undefined) {
      const later = [...this.checkpointAt.keys()].filter((seq) => seq > last).sort((a, b) => a - b)[0];
      if (later !== undefined) {
        const endsAt = last >= this.fromSeq ? `ends at entry ${last}` : 'has no entry';
        this.fail(last + 1, 'truncated', `the chain ${endsAt} but a checkpoint was signed at entry ${later}: entries at its end were deleted`);
      }
    }
    const verified = last >= this.fromSeq;
    return {
      ok: this.problem === undefined,
      tenant_id: this.tenantId,
      entries: this.count,
      first_seq: verified ? this.fromSeq : null,
      last_seq: verified ? last : null,
      head_hash: this.prev ?? null,
      checkpoints: { checked: this.checked, matched: this.matched },
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  /** Keeps the problem with the lowest sequence number. */
  private fail(seq: number, kind: LedgerProblemKind, message: string): void {
    if (this.problem === undefined || seq < this.problem.seq) this.problem = { seq, kind, message };
  }
}
