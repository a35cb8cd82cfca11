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

/** How long a bundle may stay queued or running before it counts as stuck. */
const STUCK_AFTER = '6 hours';

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
   * queue its job; refused when the tenant already has `limits.open` bundles queued or running,
   * or keeps `limits.kept` bundles that have not expired.
   */
  async create(
    tenantId: string,
    by: { readonly id: string; readonly name: string | null },
    params: BundleParams,
    expiresAt: Date,
    limits: { readonly open: number; readonly kept: number },
  ): Promise<{ readonly bundle: BundleRow } | { readonly refused: 'open' | 'kept' }> {
    return this.dataSource.transaction(async (m) => {
      // One request at a time per tenant decides whether the limit is reached.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('kanshi-evidence-bundles:' || $1))`, [tenantId]);
      const [counts] = await m.query<{ open: number; kept: number }[]>(
        // A bundle queued or running for longer than STUCK_AFTER is stuck (its job gave up): it no longer holds a place.
        `SELECT count(*) FILTER (WHERE status IN ('queued', 'running') AND created_at > now() - $2::interval)::int AS open, count(*)::int AS kept
           FROM evidence_bundles WHERE tenant_id = $1 AND expires_at > now()`,
        [tenantId, STUCK_AFTER],
      );
      if ((counts?.open ?? 0) >= limits.open) return { refused: 'open' };
      if ((counts?.kept ?? 0) >= limits.kept) return { refused: 'kept' };
      const rows = await m.query<Row[]>(
        `INSERT INTO evidence_bundles (tenant_id, requested_by, requested_by_name, params, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [tenantId, by.id, by.name, JSON.stringify(params), expiresAt],
      );
      const row = rows[0];
      if (!row) throw new Error('the bundle row was not stored');
      await addToOutbox(m, [{ tenantId, kind: 'evidence-bundle', subjectId: row.id }]);
      return { bundle: toBundle(row) };
    });
  }

  /** The tenant's bundle (`null`: none, or another tenant's). */
  async find(tenantId: string, id: string): Promise<BundleRow | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query<Row[]>(`SELECT * FROM evidence_bundles WHERE tenant_id = $1 AND id = $2 AND expires_at > now()`, [tenantId, id]);
    return row ? toBundle(row) : null;
  }

  /** The tenant's newest bundles. */
  async list(tenantId: string, limit: number): Promise<BundleRow[]> {
    const rows = await this.dataSource.query<Row[]>(`SELECT * FROM evidence_bundles WHERE tenant_id = $1 AND expires_at > now() ORDER BY created_at DESC, id LIMIT $2`, [tenantId, limit]);
    return rows.map(toBundle);
  }

  /**
   * Starts a run of the job of a queued (or, after a worker stalled, running) bundle: its earlier
   * parts go, and the run gets a token that its writes must show (a superseded run's are
   * refused). `null` when the bundle is done, failed or gone.
   */
  async start(id: string): Promise<{ readonly bundle: BundleRow; readonly token: string } | null> {
    return this.dataSource.transaction(async (m) => {
      const rows = await m.query<(Row & { run_token: string })[]>(
        // Through a CTE: the driver answers a plain UPDATE … RETURNING with its row count too.
        `WITH started AS (
           UPDATE evidence_bundles SET status = 'running', started_at = now(), stage = NULL, done = 0, total = 0, run_token = gen_random_uuid()
            WHERE id = $1 AND status IN ('queued', 'running') RETURNING *)
         SELECT * FROM started`,
        [id],
      );
      const row = rows[0];
      if (!row) return null;
      await m.query(`DELETE FROM evidence_bundle_parts WHERE bundle_id = $1`, [id]);
      return { bundle: toBundle(row), token: row.run_token };
    });
  }

  /** How far the run has come (nothing when it was superseded). */
  async progress(id: string, token: string, stage: string, done: number, total: number): Promise<void> {
    await this.dataSource.query(`UPDATE evidence_bundles SET stage = $3, done = $4, total = $5 WHERE id = $1 AND run_token = $2 AND status = 'running'`, [id, token, stage, done, total]);
  }

  /** Stores part `n` of the run's archive; throws when the run was superseded. */
  async addPart(id: string, token: string, n: number, data: Buffer): Promise<void> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `WITH added AS (
         INSERT INTO evidence_bundle_parts (bundle_id, n, data)
         SELECT $1, $3, $4 WHERE EXISTS (SELECT 1 FROM evidence_bundles WHERE id = $1 AND run_token = $2 AND status = 'running') RETURNING n)
       SELECT count(*)::int AS n FROM added`,
      [id, token, n, data],
    );
    if ((row?.n ?? 0) === 0) throw new SupersededRunError(id);
  }

  /** The run's outcome; `false` when it was superseded (another run owns the bundle now). */
  async finish(id: string, token: string, manifest: Record<string, unknown>, size: number): Promise<boolean> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `WITH done AS (
         UPDATE evidence_bundles SET status = 'done', stage = 'done', manifest = $3, size = $4, finished_at = now()
          WHERE id = $1 AND run_token = $2 AND status = 'running' RETURNING id)
       SELECT count(*)::int AS n FROM done`,
      [id, token, JSON.stringify(manifest), size],
    );
    return (row?.n ?? 0) > 0;
  }

  /** Records why the run failed, its parts gone; `false` when it was superseded. */
  async fail(id: string, token: string, error: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const [row] = await m.query<{ n: number }[]>(
        `WITH failed AS (
           UPDATE evidence_bundles SET status = 'failed', error = $3, finished_at = now()
            WHERE id = $1 AND run_token = $2 AND status = 'running' RETURNING id)
         SELECT count(*)::int AS n FROM failed`,
        [id, token, error.slice(0, 2000)],
      );
      if ((row?.n ?? 0) === 0) return false;
      await m.query(`DELETE FROM evidence_bundle_parts WHERE bundle_id = $1`, [id]);
      return true;
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

/** A run of a bundle's job that another run has replaced (its worker stalled and the job ran again). */
export class SupersededRunError extends Error {
  override readonly name = 'SupersededRunError';

  constructor(id: string) {
    super(`bundle ${id} is being made by another run`);
  }
}
