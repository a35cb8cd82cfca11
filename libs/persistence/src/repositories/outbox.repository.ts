import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * The PostgreSQL channel a change announces its outbox entries on (NOTIFY, delivered when the
 * transaction commits), so a relay in another process takes them at once instead of at its next poll.
 */
export const OUTBOX_CHANNEL = 'kanshi_outbox';

/** SQL that announces the outbox entries of the current transaction (delivered at its commit). */
export const ANNOUNCE_OUTBOX_SQL = `SELECT pg_notify('${OUTBOX_CHANNEL}', '')`;

/** What an outbox entry asks to schedule follow-ups for: an alert's or a silence's, or the job of an evidence bundle. */
export type OutboxKind = 'alert' | 'silence' | 'evidence-bundle';

/** An alert or silence whose change, committed, still needs its follow-ups in the queue. */
export interface OutboxEntry {
  readonly tenantId: string;
  readonly kind: OutboxKind;
  readonly subjectId: string;
}

/**
 * Adds entries to the outbox inside the caller's transaction, so they commit with the change, and
 * announces them to the relays ({@link OUTBOX_CHANNEL}) unless `announce` is false (the alert
 * worker kicks its own relay after its sets: one NOTIFY per set would serialise its commits).
 */
export async function addToOutbox(manager: EntityManager, entries: readonly OutboxEntry[], announce = true): Promise<void> {
  if (entries.length === 0) return;
  await manager.query(
    `INSERT INTO alert_outbox (tenant_id, kind, subject_id)
     SELECT e.tenant_id, e.kind, e.subject_id FROM jsonb_to_recordset($1::jsonb) AS e(tenant_id text, kind text, subject_id uuid)`,
    [JSON.stringify(entries.map((e) => ({ tenant_id: e.tenantId, kind: e.kind, subject_id: e.subjectId })))],
  );
  if (announce) await manager.query(ANNOUNCE_OUTBOX_SQL);
}

/** A connection listening on {@link OUTBOX_CHANNEL}; `broken` once PostgreSQL dropped it. */
export interface OutboxListener {
  readonly broken: boolean;
  close(): void;
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

  /**
   * Calls `onEntries` whenever another transaction commits outbox entries it announced, on a
   * connection of its own taken from the pool (given back on `close`, or discarded once broken).
   */
  async listen(onEntries: () => void): Promise<OutboxListener> {
    const [client, release] = (await (this.dataSource.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (error?: Error) => void];
    let broken: Error | undefined;
    const onNotification = (message: { channel: string }) => {
      if (message.channel === OUTBOX_CHANNEL) onEntries();
    };
    const onError = (error: Error) => (broken ??= error);
    client.on('notification', onNotification);
    client.on('error', onError);
    client.on('end', () => (broken ??= new Error('the listening connection ended')));
    try {
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    let closed = false;
    return {
      get broken() {
        return broken !== undefined;
      },
      close: () => {
        if (closed) return;
        closed = true;
        client.removeListener('notification', onNotification);
        // A pooled connection must not keep listening: it is discarded rather than given back.
        release(broken ?? new Error('outbox listener closed'));
      },
    };
  }

  /** Entries waiting (for health and tests). */
  async pending(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM alert_outbox`);
    return row?.n ?? 0;
  }
}
