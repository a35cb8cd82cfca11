import { Injectable } from '@nestjs/common';
import { EvidenceRepository } from '@kanshi/persistence';
import { EvidenceSigner, type Checkpoint } from './evidence-signer';
import { chainRecords, GENESIS_HASH } from './ledger-chain';
import { LedgerVerifier, type LedgerReport } from './ledger-verifier';

/**
 * Source rows chained per transaction (a change holds one, a statement's insert up to hundreds):
 * about 50 ms of work, so the worker's jobs never wait long behind a batch.
 */
const SEAL_ROWS = 1000;
/** Tenants looked at per pass. */
const TENANTS_PER_PASS = 100;

/** The published key that verifies the ledger's checkpoints. */
export interface EvidencePublicKey {
  readonly key_id: string;
  readonly algorithm: 'Ed25519';
  readonly public_key_pem: string;
  /** The public development key: its checkpoints prove nothing. */
  readonly development: boolean;
}

/**
 * The evidence ledger's operations over the database: chain what the triggers captured, sign
 * checkpoints of the chains' heads, and verify a tenant's chain (or a period of it).
 */
@Injectable()
export class EvidenceLedger {
  constructor(
    private readonly store: EvidenceRepository,
    readonly signer: EvidenceSigner,
  ) {}

  /** Chains every change of the tenant captured so far. Returns how many entries were added. */
  async sealTenant(tenantId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const sealed = await this.store.seal(tenantId, SEAL_ROWS, { seq: 0, hash: GENESIS_HASH }, (head, records) => chainRecords(tenantId, head, records));
      if (sealed === 0) return total;
      total += sealed;
    }
  }

  /** Chains the changes of every tenant captured so far. Returns how many entries were added. */
  async sealAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const tenants = await this.store.tenantsWithPending(TENANTS_PER_PASS);
      if (tenants.length === 0) return total;
      for (const tenantId of tenants) total += await this.sealTenant(tenantId);
    }
  }

  /**
   * Signs a checkpoint of each head (of `tenantId`, or of every tenant) that moved since this
   * key's last one; with `signedBefore`, only of heads whose last checkpoint is at least that old.
   */
  async checkpoint(now = new Date(), options: { readonly tenantId?: string; readonly signedBefore?: Date } = {}): Promise<Checkpoint[]> {
    const signed: Checkpoint[] = [];
    for (;;) {
      const heads = await this.store.headsToCheckpoint(this.signer.keyId, 500, options);
      if (heads.length === 0) return signed;
      const checkpoints = heads.map((h) => this.signer.checkpoint(h.tenantId, h, now));
      await this.store.addCheckpoints(checkpoints);
      signed.push(...checkpoints);
    }
  }

  /**
   * Chains the tenant's changes captured so far and returns the checkpoint of its head, signed
   * now or earlier with this key; `null` while the tenant has no entry.
   */
  async checkpointHead(tenantId: string, now = new Date()): Promise<{ sealed: number; checkpoint: Checkpoint | null }> {
    const sealed = await this.sealTenant(tenantId);
    await this.checkpoint(now, { tenantId });
    const head = await this.store.head(tenantId);
    if (!head || head.seq === 0) return { sealed, checkpoint: null };
    const atHead = await this.store.checkpoints(tenantId, head.seq, head.seq);
    return { sealed, checkpoint: atHead.find((c) => c.key_id === this.signer.keyId) ?? null };
  }

  publicKey(): EvidencePublicKey {
    return { key_id: this.signer.keyId, algorithm: 'Ed25519', public_key_pem: this.signer.publicKeyPem, development: this.signer.isDevelopmentKey };
  }

  /**
   * Verifies the tenant's entries recorded in `[from, to)` (the whole chain when both are open)
   * against the chain and the checkpoints signed with this key, reading a page at a time.
   */
  async verify(tenantId: string, range: { readonly from?: Date; readonly to?: Date } = {}): Promise<LedgerReport> {
    const whole = range.from === undefined && range.to === undefined;
    const head = await this.store.head(tenantId);
    const seqs = whole ? (head ? { fromSeq: 1, toSeq: head.seq } : null) : await this.store.seqRange(tenantId, range.from, range.to);
    const fromSeq = seqs?.fromSeq ?? 1;
    const toSeq = seqs?.toSeq ?? 0;
    const keys = new Map([[this.signer.keyId, this.signer.publicKey]]);
    // Checkpoints past the range's end are read too when verifying the whole chain: one past the
    // last entry means entries at the end were deleted.
    const checkpoints = await this.store.checkpoints(tenantId, fromSeq, whole ? Number.MAX_SAFE_INTEGER : toSeq);
    const verifier = new LedgerVerifier(tenantId, checkpoints, keys, whole ? { fromSeq, expectLastSeq: toSeq } : { fromSeq, toSeq });
    if (seqs) for await (const entry of this.store.entries(tenantId, fromSeq, toSeq)) verifier.add(entry);
    return verifier.finish();
  }
}
