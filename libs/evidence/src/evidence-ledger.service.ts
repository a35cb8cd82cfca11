import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EvidenceRepository, type StoredHead } from '@kanshi/persistence';
import { EvidenceSigner, type Checkpoint } from './evidence-signer';
import { chainRecords, GENESIS_HASH } from './ledger-chain';
import { LedgerVerifier, type LedgerProblem, type LedgerReport } from './ledger-verifier';

/**
 * Source rows chained per transaction (a change holds one, a statement's insert up to hundreds):
 * about 50 ms of work, so the worker's jobs never wait long behind a batch.
 */
const SEAL_ROWS = 1000;
/** Tenants read per page of a sweep. */
const TENANTS_PER_PAGE = 100;
/** Failed batches a call keeps to report (the rest are counted). */
const MAX_FAILURES_KEPT = 10;

/** The published key that verifies the ledger's checkpoints. */
export interface EvidencePublicKey {
  readonly key_id: string;
  readonly algorithm: 'Ed25519';
  readonly public_key_pem: string;
  /** The public development key: its checkpoints prove nothing. */
  readonly development: boolean;
}

/** Keys that verify checkpoints, by key id. */
export type VerifyKeys = ReadonlyMap<string, KeyObject>;

/**
 * The evidence ledger's operations over the database: chain what the triggers captured, sign
 * checkpoints of the chains' heads (never of a chain that no longer links to the last one), and
 * verify a tenant's chain or a period of it.
 */
@Injectable()
export class EvidenceLedger {
  constructor(
    private readonly store: EvidenceRepository,
    readonly signer: EvidenceSigner,
  ) {}

  /** The signer's public key, the one verification uses unless given others. */
  get keys(): VerifyKeys {
    return new Map([[this.signer.keyId, this.signer.publicKey]]);
  }

  /**
   * Chains the tenant's changes captured so far (up to `upToId`, by default the newest now: a
   * tenant writing all the time cannot keep the call going). Returns how many were chained.
   */
  async sealTenant(tenantId: string, upToId?: string): Promise<number> {
    const upTo = upToId ?? (await this.store.newestPendingId());
    if (upTo === null) return 0;
    let total = 0;
    for (;;) {
      const sealed = await this.sealBatch(tenantId, upTo);
      if (sealed === 0) return total;
      total += sealed;
    }
  }

  /** Chains one batch of the tenant's oldest changes up to `upTo`; 0 when none waits. */
  private sealBatch(tenantId: string, upTo: string): Promise<number> {
    return this.store.seal(tenantId, SEAL_ROWS, upTo, { seq: 0, hash: GENESIS_HASH }, (head, records) => chainRecords(tenantId, head, records));
  }

  /**
   * Chains every tenant's changes captured before the call, taking turns (as {@link sealFor} does)
   * until none is left; changes captured meanwhile wait for the next call, so a tenant writing
   * all the time cannot keep it going. Stops between batches once `stop()` says so. Returns how
   * many were chained.
   */
  async sealAll(stop: () => boolean = () => false): Promise<number> {
    const upTo = await this.store.newestPendingId();
    return upTo === null ? 0 : this.sweeps(() => Promise.resolve(upTo), stop, () => true);
  }

  /**
   * Sweeps again and again, each sweep one batch of each tenant with changes waiting (those
   * captured before the sweep began), while something was chained and `budgetMs` has not run
   * out: a tenant's few changes are chained in the sweep after they were captured whatever
   * backlog another has, and a busy tenant is chained as fast as the database allows. Stops
   * between batches once `stop()` says so. Returns how many were chained.
   */
  sealFor(budgetMs: number, stop: () => boolean = () => false, now: () => number = Date.now): Promise<number> {
    const until = now() + budgetMs;
    return this.sweeps(() => this.store.newestPendingId(), stop, () => now() < until);
  }

  /**
   * Sweeps up to what `upTo()` says waits, while a sweep chained something and `more()` says so.
   * A tenant whose batch fails is passed over (the others still get their turn); the failures are
   * thrown when nothing was chained, else handed to {@link onSealFailures} (the first few, and
   * how many).
   */
  private async sweeps(upTo: () => Promise<string | null>, stop: () => boolean, more: () => boolean): Promise<number> {
    let total = 0;
    const failures: unknown[] = [];
    let failed = 0;
    const keep = (error: unknown) => {
      failed += 1;
      if (failures.length < MAX_FAILURES_KEPT) failures.push(error);
    };
    for (;;) {
      const until = await upTo();
      const sweep = until === null ? { sealed: 0, stopped: false } : await this.sweep(until, stop, keep);
      total += sweep.sealed;
      if (sweep.sealed > 0 && !sweep.stopped && more()) continue;
      if (failed === 0) return total;
      if (total === 0) throw failures[0];
      this.onSealFailures(failures, failed);
      return total;
    }
  }

  /** One batch of each tenant with changes up to `upTo` waiting; a tenant whose batch fails is passed over, its failure handed to `failed`. */
  private async sweep(upTo: string, stop: () => boolean, failed: (error: unknown) => void): Promise<{ sealed: number; stopped: boolean }> {
    let sealed = 0;
    let after: string | null = null;
    for (;;) {
      const tenants = await this.store.tenantsWithPending(after, TENANTS_PER_PAGE);
      for (const tenantId of tenants) {
        if (stop()) return { sealed, stopped: true };
        try {
          sealed += await this.sealBatch(tenantId, upTo);
        } catch (error) {
          failed(error instanceof Error ? new Error(`tenant ${tenantId}: ${error.message}`) : error);
        }
      }
      if (tenants.length < TENANTS_PER_PAGE) return { sealed, stopped: false };
      after = tenants[tenants.length - 1] ?? null;
    }
  }

  /** Some tenants' batches failed in a call that chained others' (the first few failures, and how many): logged by the sealer. */
  onSealFailures: (failures: readonly unknown[], count: number) => void = () => undefined;

  /**
   * Signs a checkpoint of each head (of `tenantId`, or of every tenant) that moved since this
   * key's last one; with `signedBefore`, only of heads whose last checkpoint is at least that old.
   * A chain that does not run unbroken from the last checkpoint to its head (rewritten in the
   * database) is not signed: the refusal is returned (for the caller to report). `stop` ends it between batches.
   */
  async checkpoint(
    now = new Date(),
    options: { readonly tenantId?: string; readonly signedBefore?: Date; readonly stop?: () => boolean } = {},
  ): Promise<{ signed: Checkpoint[]; refused: { tenantId: string; problem: LedgerProblem }[] }> {
    const signed: Checkpoint[] = [];
    const refused: { tenantId: string; problem: LedgerProblem }[] = [];
    const skip = new Set<string>();
    for (;;) {
      if (options.stop?.()) return { signed, refused };
      const heads = (await this.store.headsToCheckpoint(this.signer.keyId, 500 + skip.size, options)).filter((h) => !skip.has(h.tenantId));
      if (heads.length === 0) return { signed, refused };
      const checkpoints: Checkpoint[] = [];
      for (const head of heads) {
        const problem = await this.brokenSinceLastCheckpoint(head.tenantId, head);
        if (problem) {
          skip.add(head.tenantId);
          refused.push({ tenantId: head.tenantId, problem });
        } else {
          checkpoints.push(this.signer.checkpoint(head.tenantId, head, now));
        }
      }
      await this.store.addCheckpoints(checkpoints);
      signed.push(...checkpoints);
    }
  }

  /**
   * Chains the tenant's changes captured so far and returns this key's newest checkpoint (of the
   * head, signed now or earlier, or of a later head the worker signed meanwhile); `null` while the
   * tenant has no entry, or with the problem when the chain since the last checkpoint is broken.
   */
  async checkpointHead(tenantId: string, now = new Date()): Promise<{ sealed: number; checkpoint: Checkpoint | null; problem?: LedgerProblem }> {
    const sealed = await this.sealTenant(tenantId);
    const { refused } = await this.checkpoint(now, { tenantId });
    const [refusal] = refused;
    if (refusal) return { sealed, checkpoint: null, problem: refusal.problem };
    // This key's newest checkpoint: the head's, or a later one the worker signed meanwhile.
    const newest = await this.store.lastCheckpoint(tenantId, this.signer.keyId);
    if (!newest) return { sealed, checkpoint: null };
    const atNewest = await this.store.checkpoints(tenantId, newest.seq, newest.seq);
    return { sealed, checkpoint: atNewest.find((c) => c.key_id === this.signer.keyId) ?? null };
  }

  publicKey(): EvidencePublicKey {
    return { key_id: this.signer.keyId, algorithm: 'Ed25519', public_key_pem: this.signer.publicKeyPem, development: this.signer.isDevelopmentKey };
  }

  /** Verifies the tenant's chain, or a period of it, with this signer's key unless given others: see {@link verifyLedger}. */
  verify(tenantId: string, range: { readonly from?: Date; readonly to?: Date } = {}, keys: VerifyKeys = this.keys): Promise<LedgerReport> {
    return verifyLedger(this.store, tenantId, range, keys);
  }

  /** What breaks the chain from this key's last checkpoint to `head`, if anything. */
  private async brokenSinceLastCheckpoint(tenantId: string, head: StoredHead): Promise<LedgerProblem | undefined> {
    const from = (await this.store.lastCheckpoint(tenantId, this.signer.keyId)) ?? { seq: 0, hash: GENESIS_HASH };
    const verifier = new LedgerVerifier(tenantId, [], this.keys, { fromSeq: from.seq + 1, prevHash: from.hash, toSeq: head.seq, expectLastSeq: head.seq });
    for await (const entry of this.store.entries(tenantId, from.seq + 1, head.seq)) verifier.add(entry);
    const report = verifier.finish();
    if (report.problem) return report.problem;
    if (report.head_hash !== head.hash) return { seq: head.seq, kind: 'edited', message: `the chain's head names hash ${head.hash.slice(0, 12)}… but entry ${head.seq} hashes to ${String(report.head_hash).slice(0, 12)}…` };
    return undefined;
  }
}

/**
 * Verifies the tenant's chain, or the entries recorded in `[from, to)`, against the chain and
 * the checkpoints `keys` verify (no signing key needed). A period is read from the entry
 * before it (its first entry must follow that one) to the first checkpoint at or after its
 * end (or the chain's end), so an entry edited with its hash recomputed, or deleted, is found
 * at either end too. Reads a page at a time.
 */
export async function verifyLedger(store: EvidenceRepository, tenantId: string, range: { readonly from?: Date; readonly to?: Date }, keys: VerifyKeys): Promise<LedgerReport> {
  // Checkpoints before the head: one signed meanwhile is never past the head read.
  const checkpoints = await store.checkpoints(tenantId, 1, Number.MAX_SAFE_INTEGER);
  const { head, last } = await store.headAndLast(tenantId);
  const end = Math.max(head, last);
  let fromSeq = 1;
  let toSeq = end;
  if (range.from !== undefined || range.to !== undefined) {
    const period = await store.periodSeqs(tenantId, range.from, range.to, end);
    fromSeq = Math.max(1, period.fromSeq - 1);
    const anchor = checkpoints.map((c) => c.seq).find((seq) => seq >= period.toSeq);
    toSeq = anchor ?? end;
  }
  // Read to the chain's end, every checkpoint counts (one past the end shows entries deleted there).
  const verifier = new LedgerVerifier(tenantId, checkpoints, keys, toSeq === end ? { fromSeq, expectLastSeq: head } : { fromSeq, toSeq });
  for await (const entry of store.entries(tenantId, fromSeq, toSeq)) verifier.add(entry);
  const report = verifier.finish();
  if (report.ok && last > head) {
    return { ...report, ok: false, problem: { seq: head + 1, kind: 'unlinked', message: `entries run to ${last} but the chain's head is entry ${head}: the head was moved back` } };
  }
  return report;
}
