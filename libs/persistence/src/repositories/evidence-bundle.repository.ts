import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addToOutbox } from './outbox.repository';

/** Where a bundle job stands. */
export type BundleStatus = 'queued' | 'running' | 'done' | 'failed';

/** What a bundle covers, as asked. */
export interface BundleParams {
  readonly from: string | null;
  readonly to: string | null;
  readonly model_id: string | null;
  readonly sector: string | null;
}

/** A bundle requested through the API, and how far its job has come. */
export interface BundleRow {
  readonly id: string;
  readonly tenantId: string;
  readonly requestedBy: string;
  readonly requestedByName: string | null;
  readonly params: BundleParams;
  readonly status: BundleStatus;
  readonly stage: string | null;
  readonly done: number;
  readonly total: number;
  readonly error: string | null;
  readonly manifest: Record<string, unknown> | null;
  readonly size: number | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly expiresAt: Date;
}

interface Row {
  id: string;
  tenant_id: string;
  requested_by: string;
  requested_by_name: string | null;
  params: BundleParams;
  status: BundleStatus;
  stage: string | null;
  done: number;
  total: number;
  error: string | null;
  manifest: Record<string, unknown> | null;
  size: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date;
}

const toBundle = (r: Row): BundleRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  requestedBy: r.requested_by,
  requestedByName: r.requested_by_name,
  params: r.params,
  status: r.status,
  stage: r.stage,
  done: r.done,
  total: r.total,
  error: r.error,
  manifest: r.manifest,
  size: r.size === null ? null : Number(r.size),
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  expiresAt: r.expires_at,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Evidence bundles made through the API (`evidence_bundles`) and their archives, stored in parts
 * (`evidence_bundle_parts`) so that any API instance streams them back a part at a time.
 */
@Injectable()
export class EvidenceBundleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a request and, in the same transaction, the outbox entry that has the alert worker
   * queue its job; `null` when the tenant already has `maxOpen` bundles queued or running.
   */
  async create(tenantId: string, by: { readonly id: string; readonly name: string | null }, params: BundleParams, expiresAt: Date, maxOpen: number): Promise<BundleRow | null> {
    return this.dataSource.transaction(async (m) => {
      // One request at a time per tenant decides whether the limit is reached.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('kanshi-evidence-bundles:' || $1))`, [tenantId]);
      const rows = await m.query<Row[]>(
        `INSERT INTO evidence_bundles (tenant_id, requested_by, requested_by_name, params, expires_at)
         SELECT $1, $2, $3, $4, $5
          WHERE (SELECT count(*) FROM evidence_bundles WHERE tenant_id = $1 AND status IN ('queued', 'running')) < $6
         RETURNING *`,
        [tenantId, by.id, by.name, JSON.stringify(params), expiresAt, maxOpen],
      );
      const row = rows[0];
      if (!row) return null;
      await addToOutbox(m, [{ tenantId, kind: 'evidence-bundle', subjectId: row.id }]);
      return toBundle(row);
    });
  }

  /** The tenant's bundle (`null`: none, or another tenant's). */
  async find(tenantId: string, id: string): Promise<BundleRow | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query<Row[]>(`SELECT * FROM evidence_bundles WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return row ? toBundle(row) : null;
  }

  /** The tenant's newest bundles. */
  async list(tenantId: string, limit: number): Promise<BundleRow[]> {
    const rows = await this.dataSource.query<Row[]>(`SELECT * FROM evidence_bundles WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [tenantId, limit]);
    return rows.map(toBundle);
  }

  /** Starts the job of a queued (or, after a worker died, running) bundle: its earlier parts go. `null` when it is done, failed or gone. */
  async start(id: string): Promise<BundleRow | null> {
    return this.dataSource.transaction(async (m) => {
      const rows = await m.query<Row[]>(
        // Through a CTE: the driver answers a plain UPDATE … RETURNING with its row count too.
        `WITH started AS (
           UPDATE evidence_bundles SET status = 'running', started_at = now(), stage = NULL, done = 0, total = 0
            WHERE id = $1 AND status IN ('queued', 'running') RETURNING *)
         SELECT * FROM started`,
        [id],
      );
      if (!rows[0]) return null;
      await m.query(`DELETE FROM evidence_bundle_parts WHERE bundle_id = $1`, [id]);
      return toBundle(rows[0]);
    });
  }

  async progress(id: string, stage: string, done: number, total: number): Promise<void> {
    await this.dataSource.query(`UPDATE evidence_bundles SET stage = $2, done = $3, total = $4 WHERE id = $1 AND status = 'running'`, [id, stage, done, total]);
  }

  async addPart(id: string, n: number, data: Buffer): Promise<void> {
    await this.dataSource.query(`INSERT INTO evidence_bundle_parts (bundle_id, n, data) VALUES ($1, $2, $3)`, [id, n, data]);
  }

  async finish(id: string, manifest: Record<string, unknown>, size: number): Promise<void> {
    await this.dataSource.query(`UPDATE evidence_bundles SET status = 'done', stage = 'done', manifest = $2, size = $3, finished_at = now() WHERE id = $1`, [id, JSON.stringify(manifest), size]);
  }

  async fail(id: string, error: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(`UPDATE evidence_bundles SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, error.slice(0, 2000)]);
      await m.query(`DELETE FROM evidence_bundle_parts WHERE bundle_id = $1`, [id]);
    });
  }

  /** The archive's parts in order, read one at a time. */
  async *parts(id: string): AsyncGenerator<Buffer> {
    for (let n = 0; ; n += 1) {
      const [row] = await this.dataSource.query<{ data: Buffer }[]>(`SELECT data FROM evidence_bundle_parts WHERE bundle_id = $1 AND n = $2`, [id, n]);
      if (!row) return;
      yield row.data;
    }
  }

  /** Deletes bundles past their expiry (parts with them); returns how many. */
  async expire(now: Date): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(`WITH gone AS (DELETE FROM evidence_bundles WHERE expires_at < $1 RETURNING id) SELECT count(*)::int AS n FROM gone`, [now]);
    return row?.n ?? 0;
  }
}
