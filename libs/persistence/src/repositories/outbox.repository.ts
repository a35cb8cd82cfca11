import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** What an outbox entry asks to schedule follow-ups for. */
export type OutboxKind = 'alert' | 'silence';

/** An alert or silence whose change, committed, still needs its follow-ups in the queue. */
export interface OutboxEntry {
  readonly tenantId: string;
  readonly kind: OutboxKind;
  readonly subjectId: string;
}

/** Adds entries to the outbox inside the caller's transaction, so they commit with the change. */
export async function addToOutbox(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await manager.query(
    `INSERT INTO alert_outbox (tenant_id, kind, subject_id)
     SELECT e.tenant_id, e.kind, e.subject_id FROM jsonb_to_recordset($1::jsonb) AS e(tenant_id text, kind text, subject_id uuid)`,
    [JSON.stringify(entries.map((e) => ({ tenant_id: e.tenantId, kind: e.kind, subject_id: e.subjectId })))],
  );
}

/**
 * The transactional outbox of follow-ups: changes write an entry in their own transaction
 * ({@link addToOutbox}); a relay takes entries oldest first, schedules what they call for and
 * deletes them in one transaction, so a queue outage right after a commit leaves them for the
 * next try instead of losing them. Relays in several workers skip each other's entries.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes up to `limit` entries no other relay holds, runs `relay` on them (each entry once,
   * however often its subject changed), and deletes them if it succeeds; if it throws, they stay.
   * Returns how many entries it took.
   */
  async relay(limit: number, relay: (entries: readonly OutboxEntry[]) => Promise<void>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<{ id: string; tenant_id: string; kind: OutboxKind; subject_id: string }[]>(
        `SELECT id, tenant_id, kind, subject_id FROM alert_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const distinct = new Map<string, OutboxEntry>();
      for (const r of rows) distinct.set(`${r.kind}\u0000${r.tenant_id}\u0000${r.subject_id}`, { tenantId: r.tenant_id, kind: r.kind, subjectId: r.subject_id });
      await relay([...distinct.values()]);
      await manager.query(`DELETE FROM alert_outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /** Entries waiting (for health and tests). */
  async pending(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM alert_outbox`);
    return row?.n ?? 0;
  }
}
