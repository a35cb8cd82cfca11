import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A change captured for the ledger, not yet chained (see migration 1765800000000). */
export interface PendingEvidence {
  readonly source: string;
  readonly op: string;
  /** ISO 8601. */
  readonly at: string;
  readonly data: unknown;
}

/** A chained entry as stored: its canonical text and hash. */
export interface StoredEntry {
  readonly seq: number;
  readonly at: string;
  readonly entry: string;
  readonly hash: string;
}

/** The head of a tenant's chain. */
export interface StoredHead {
  readonly seq: number;
  readonly hash: string;
}

/** A signed checkpoint as stored. */
export interface StoredCheckpoint {
  readonly tenant_id: string;
  readonly seq: number;
  readonly hash: string;
  readonly signed_at: string;
  readonly key_id: string;
  readonly signature: string;
}

/** What sealing decides: the chained entries and the new head (the pure core's `chainRecords`). */
export type ChainStep = (head: StoredHead, records: readonly PendingEvidence[]) => { readonly entries: readonly Omit<StoredEntry, 'at'>[]; readonly head: StoredHead };

const seqOf = (value: string | number): number => Number(value);

/**
 * Rows of the evidence ledger: captured changes waiting (`evidence_pending`), each tenant's
 * chain (`evidence_ledger`, append-only) and head (`evidence_heads`), and signed checkpoints
 * (`evidence_checkpoints`, append-only). What an entry holds and how it is hashed is decided by
 * the caller's {@link ChainStep}.
 */
@Injectable()
export class EvidenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The newest change waiting to be chained (`null`: none), so a pass can stop there while changes keep coming. */
  async newestPendingId(): Promise<string | null> {
    const [row] = await this.dataSource.query<{ id: string | null }[]>(`SELECT max(id)::text AS id FROM evidence_pending`);
    return row?.id ?? null;
  }

  /**
   * Tenants with changes waiting to be chained, in tenant order after `after` (from the first
   * with `null`), at most `limit`. A skip scan of the (tenant, id) index: one probe per tenant,
   * however many changes each has waiting.
   */
  async tenantsWithPending(after: string | null, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ tenant_id: string }[]>(
      `WITH RECURSIVE t(tenant_id, n) AS (
         (SELECT tenant_id, 1 FROM evidence_pending WHERE $1::text IS NULL OR tenant_id > $1 ORDER BY tenant_id LIMIT 1)
         UNION ALL
         SELECT (SELECT p.tenant_id FROM evidence_pending p WHERE p.tenant_id > t.tenant_id ORDER BY p.tenant_id LIMIT 1), t.n + 1
           FROM t WHERE t.tenant_id IS NOT NULL AND t.n < $2)
       SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL`,
      [after, limit],
    );
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Chains the tenant's oldest waiting changes, as many as hold `maxRows` source rows (at least
   * one), in one transaction: the head is locked (sealers in several workers take turns per
   * tenant), the changes are taken off `evidence_pending`, chained by `chain` and appended, and
   * the head moves. `genesis` is the head of a chain with no entry. Only changes up to `upToId`
   * are taken. Returns how many changes were chained (0: none waits).
   */
  async seal(tenantId: string, maxRows: number, upToId: string, genesis: StoredHead, chain: ChainStep): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`INSERT INTO evidence_heads (tenant_id, seq, hash) VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId, genesis.seq, genesis.hash]);
      const [head] = await m.query<{ seq: string; hash: string }[]>(`SELECT seq, hash FROM evidence_heads WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
      // Only the holder of the head's lock takes the tenant's changes, so no row lock is needed
      // to pick them; the batch is bounded by the rows it holds (a statement's may be hundreds).
      const taken = await m.query<{ source: string; op: string; at: Date; data: unknown }[]>(
        `WITH picked AS (
           SELECT id FROM (
             SELECT id, sum(rows) OVER (ORDER BY id) AS upto, row_number() OVER (ORDER BY id) AS n
               FROM evidence_pending WHERE tenant_id = $1 AND id <= $3 ORDER BY id LIMIT $2) w
            WHERE upto <= $2 OR n = 1),
         taken AS (
           DELETE FROM evidence_pending p USING picked WHERE p.id = picked.id
           RETURNING p.id, p.source, p.op, p.at, p.data)
         SELECT source, op, at, data FROM taken ORDER BY id`,
        [tenantId, maxRows, upToId],
      );
      if (!head || taken.length === 0) return 0;
      const records = taken.map((t) => ({ source: t.source, op: t.op, at: t.at.toISOString(), data: t.data }));
      const { entries, head: next } = chain({ seq: seqOf(head.seq), hash: head.hash }, records);
      await m.query(
        `INSERT INTO evidence_ledger (tenant_id, seq, at, entry, hash)
         SELECT $1, * FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[])`,
        [tenantId, entries.map((e) => e.seq), records.map((r) => r.at), entries.map((e) => e.entry), entries.map((e) => e.hash)],
      );
      await m.query(`UPDATE evidence_heads SET seq = $2, hash = $3 WHERE tenant_id = $1`, [tenantId, next.seq, next.hash]);
      return entries.length;
    });
  }

  /** The tenant's head, or `null` before its first entry. */
  async head(tenantId: string): Promise<StoredHead | null> {
    const [row] = await this.dataSource.query<{ seq: string; hash: string }[]>(`SELECT seq, hash FROM evidence_heads WHERE tenant_id = $1`, [tenantId]);
    return row ? { seq: seqOf(row.seq), hash: row.hash } : null;
  }

  /**
   * Heads (of `tenantId`, or of every tenant) past the last checkpoint `keyId` signed, at most
   * `limit`; with `signedBefore`, only those whose last checkpoint was signed at or before it.
   */
  async headsToCheckpoint(keyId: string, limit: number, options: { readonly tenantId?: string; readonly signedBefore?: Date } = {}): Promise<(StoredHead & { readonly tenantId: string })[]> {
    const rows = await this.dataSource.query<{ tenant_id: string; seq: string; hash: string }[]>(
      `SELECT h.tenant_id, h.seq, h.hash FROM evidence_heads h
         LEFT JOIN LATERAL (
           SELECT max(c.seq) AS seq, max(c.signed_at) AS signed_at FROM evidence_checkpoints c WHERE c.tenant_id = h.tenant_id AND c.key_id = $1
         ) last ON true
        WHERE h.seq > COALESCE(last.seq, 0)
          AND ($3::text IS NULL OR h.tenant_id = $3)
          AND ($4::timestamptz IS NULL OR last.signed_at IS NULL OR last.signed_at <= $4)
        ORDER BY h.tenant_id LIMIT $2`,
      [keyId, limit, options.tenantId ?? null, options.signedBefore ?? null],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, seq: seqOf(r.seq), hash: r.hash }));
  }

  async addCheckpoints(checkpoints: readonly StoredCheckpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO evidence_checkpoints (tenant_id, seq, hash, signed_at, key_id, signature)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
       ON CONFLICT DO NOTHING`,
      [
        checkpoints.map((c) => c.tenant_id),
        checkpoints.map((c) => c.seq),
        checkpoints.map((c) => c.hash),
        checkpoints.map((c) => c.signed_at),
        checkpoints.map((c) => c.key_id),
        checkpoints.map((c) => c.signature),
      ],
    );
  }

  /** The tenant's checkpoints over entries `fromSeq` to `toSeq`, in order. `signed_at` is given as signed (ISO, milliseconds). */
  async checkpoints(tenantId: string, fromSeq: number, toSeq: number): Promise<StoredCheckpoint[]> {
    const rows = await this.dataSource.query<{ tenant_id: string; seq: string; hash: string; signed_at: Date; key_id: string; signature: string }[]>(
      `SELECT tenant_id, seq, hash, signed_at, key_id, signature FROM evidence_checkpoints
        WHERE tenant_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq, key_id`,
      [tenantId, fromSeq, toSeq],
    );
    return rows.map((r) => ({ ...r, seq: seqOf(r.seq), signed_at: r.signed_at.toISOString() }));
  }

  /**
   * The sequence number the tenant's head names and the highest in its ledger (0: none), read in
   * one statement, so a seal committing meanwhile cannot set one against the other.
   */
  async headAndLast(tenantId: string): Promise<{ head: number; last: number }> {
    const [row] = await this.dataSource.query<{ head: string | null; last: string | null }[]>(
      `SELECT (SELECT seq FROM evidence_heads WHERE tenant_id = $1) AS head, (SELECT max(seq) FROM evidence_ledger WHERE tenant_id = $1) AS last`,
      [tenantId],
    );
    return { head: row?.head == null ? 0 : seqOf(row.head), last: row?.last == null ? 0 : seqOf(row.last) };
  }

  /** The newest checkpoint `keyId` signed of the tenant's chain, or `null`. */
  async lastCheckpoint(tenantId: string, keyId: string): Promise<StoredHead | null> {
    const [row] = await this.dataSource.query<{ seq: string; hash: string }[]>(
      `SELECT seq, hash FROM evidence_checkpoints WHERE tenant_id = $1 AND key_id = $2 ORDER BY seq DESC LIMIT 1`,
      [tenantId, keyId],
    );
    return row ? { seq: seqOf(row.seq), hash: row.hash } : null;
  }

  /**
   * The sequence numbers a period `[from, to)` spans, read off its neighbours so that a period
   * whose entries were all deleted still spans their numbers: from just after the last entry
   * recorded before `from` (else 1) to just before the first recorded at or after `to` (else
   * `end`).
   */
  async periodSeqs(tenantId: string, from: Date | undefined, to: Date | undefined, end: number): Promise<{ fromSeq: number; toSeq: number }> {
    const [row] = await this.dataSource.query<{ before: string | null; after: string | null }[]>(
      `SELECT (SELECT max(seq) FROM evidence_ledger WHERE tenant_id = $1 AND $2::timestamptz IS NOT NULL AND at < $2) AS before,
              (SELECT min(seq) FROM evidence_ledger WHERE tenant_id = $1 AND $3::timestamptz IS NOT NULL AND at >= $3) AS after`,
      [tenantId, from ?? null, to ?? null],
    );
    return { fromSeq: row?.before == null ? 1 : seqOf(row.before) + 1, toSeq: row?.after == null ? end : seqOf(row.after) - 1 };
  }

  /** The tenant's entries `fromSeq` to `toSeq` in order, read a page at a time (memory stays flat over any range). */
  async *entries(tenantId: string, fromSeq: number, toSeq: number, pageSize = 2000): AsyncGenerator<StoredEntry> {
    let next = fromSeq;
    while (next <= toSeq) {
      const rows = await this.dataSource.query<{ seq: string; at: Date; entry: string; hash: string }[]>(
        `SELECT seq, at, entry, hash FROM evidence_ledger WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
        [tenantId, next, toSeq, pageSize],
      );
      for (const r of rows) yield { seq: seqOf(r.seq), at: r.at.toISOString(), entry: r.entry, hash: r.hash };
      if (rows.length < pageSize) return;
      next = seqOf((rows[rows.length - 1] as { seq: string }).seq) + 1;
    }
  }
}
