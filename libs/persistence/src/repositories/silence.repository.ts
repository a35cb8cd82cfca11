import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { SilenceEntity } from '../entities/silence.entity';
import { InvalidCursorError, UUID } from './alert.repository';
import { applySilenceIn } from './notification.repository';
import { addToOutbox, OUTBOX_CHANNEL } from './outbox.repository';

/** Where a silence stands at a moment: not started yet, in force, or over. */
export const SILENCE_STATES = ['pending', 'active', 'expired'] as const;
export type SilenceState = (typeof SILENCE_STATES)[number];

/** The state of a silence at `now`; the SQL of {@link SilenceRepository.list} agrees with it. */
export function silenceState(silence: { readonly startsAt: Date; readonly endsAt: Date }, now: Date): SilenceState {
  if (silence.endsAt.getTime() <= now.getTime()) return 'expired';
  if (silence.startsAt.getTime() > now.getTime()) return 'pending';
  return 'active';
}

const STATE_SQL: Readonly<Record<SilenceState, string>> = {
  pending: 's.starts_at > :now',
  active: 's.starts_at <= :now AND s.ends_at > :now',
  expired: 's.ends_at <= :now',
};

export interface NewSilence {
  readonly severities: readonly string[];
  readonly sectors: readonly string[];
  readonly modelIds: readonly string[];
  readonly ruleIds: readonly string[];
  readonly reason: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly createdByName: string | null;
}

export interface SilencePage {
  readonly items: SilenceEntity[];
  /** Pass as `cursor` to read the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** `expired`: the silence was over before the change, which was not made. */
export type SilenceChangeResult = { readonly outcome: 'saved'; readonly silence: SilenceEntity } | { readonly outcome: 'not-found' } | { readonly outcome: 'expired'; readonly silence: SilenceEntity };

/**
 * The tenants' silences. Rows are never deleted: ending a silence early moves its end to now,
 * so the silence stays in the record of why alerts were not notified.
 */
@Injectable()
export class SilenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(SilenceEntity);
  }

  /**
   * Stores the silence and, in the same transaction, silences the firing alerts it matches when it
   * is in force at `now` (their ids are returned), and writes its outbox entry (its reminder and end follow).
   */
  async create(tenantId: string, silence: NewSilence, now: Date = new Date()): Promise<{ readonly silence: SilenceEntity; readonly silencedAlertIds: readonly string[] }> {
    return this.dataSource.transaction(async (manager) => {
      const created = await this.insert(manager, tenantId, silence);
      const silencedAlertIds = await applySilenceIn(manager, tenantId, created.id, now);
      await addToOutbox(manager, [{ tenantId, kind: 'silence', subjectId: created.id }]);
      return { silence: created, silencedAlertIds };
    });
  }

  private async insert(manager: EntityManager, tenantId: string, silence: NewSilence): Promise<SilenceEntity> {
    const repo = manager.getRepository(SilenceEntity);
    const { identifiers } = await repo.insert({
      tenantId,
      severities: [...silence.severities],
      sectors: [...silence.sectors],
      modelIds: [...silence.modelIds],
      ruleIds: [...silence.ruleIds],
      reason: silence.reason,
      startsAt: silence.startsAt,
      endsAt: silence.endsAt,
      createdBy: silence.createdBy,
      createdByName: silence.createdByName,
      remindedAt: null,
    });
    const id = (identifiers[0] as { id: string } | undefined)?.id;
    if (!id) throw new Error(`a silence of tenant ${tenantId} was not stored`);
    return repo.findOneByOrFail({ tenantId, id });
  }

  /** The tenant's silences in any of `states` at `now`, newest first. `cursor` is the previous page's `nextCursor`. */
  async list(tenantId: string, options: { states: readonly SilenceState[]; limit: number; cursor?: string | undefined }, now: Date): Promise<SilencePage> {
    const query = this.repo
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId, now })
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .take(options.limit + 1);
    const states = [...new Set(options.states)];
    if (states.length < SILENCE_STATES.length) query.andWhere(states.length === 0 ? 'false' : `((${states.map((s) => STATE_SQL[s]).join(') OR (')}))`);
    if (options.cursor !== undefined) {
      const after = Buffer.from(options.cursor, 'base64url').toString('utf8');
      if (!UUID.test(after) || Buffer.from(after, 'utf8').toString('base64url') !== options.cursor) throw new InvalidCursorError();
      const [anchor] = await this.dataSource.query<unknown[]>(`SELECT 1 FROM silences WHERE tenant_id = $1 AND id = $2`, [tenantId, after]);
      if (!anchor) throw new InvalidCursorError();
      // Compared in SQL: created_at has microseconds that a JavaScript Date would lose.
      query.andWhere('(s.created_at, s.id) < (SELECT c.created_at, c.id FROM silences c WHERE c.id = :after)', { after });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null };
  }

  /** The silence if it belongs to the tenant. */
  async get(tenantId: string, id: string): Promise<SilenceEntity | null> {
    if (!UUID.test(id)) return null;
    return this.repo.findOneBy({ tenantId, id });
  }

  /**
   * Changes the end and/or the reason of a silence not over at `now`. The caller checks the new
   * end against the silence's start; the start never changes.
   */
  async update(tenantId: string, id: string, changes: { readonly endsAt?: Date; readonly reason?: string }, now: Date): Promise<SilenceChangeResult> {
    if (!UUID.test(id)) return { outcome: 'not-found' };
    const sets = ['updated_at = now()'];
    const params: unknown[] = [tenantId, id, now];
    if (changes.endsAt !== undefined) {
      params.push(changes.endsAt);
      sets.push(`ends_at = $${params.length}`);
    }
    if (changes.reason !== undefined) {
      params.push(changes.reason);
      sets.push(`reason = $${params.length}`);
    }
    return this.change(tenantId, id, `UPDATE silences SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2 AND ends_at > $3 RETURNING id, tenant_id`, params);
  }

  /**
   * Ends a silence at `now`, keeping the row. A silence that had not started gets its start
   * moved just before `now`: the table requires a start before the end, and a silence ended
   * before it began held nothing back either way.
   */
  async expireNow(tenantId: string, id: string, now: Date = new Date()): Promise<SilenceChangeResult> {
    if (!UUID.test(id)) return { outcome: 'not-found' };
    return this.change(
      tenantId,
      id,
      `UPDATE silences SET ends_at = $3, starts_at = LEAST(starts_at, $3::timestamptz - interval '1 millisecond'), updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND ends_at > $3 RETURNING id, tenant_id`,
      [tenantId, id, now],
    );
  }

  /** Runs the change (an UPDATE … RETURNING id, tenant_id) and, in the same statement, writes and announces the outbox entry of a silence it changed. */
  private async change(tenantId: string, id: string, sql: string, params: unknown[]): Promise<SilenceChangeResult> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `WITH changed AS (${sql}),
            queued AS (INSERT INTO alert_outbox (tenant_id, kind, subject_id) SELECT tenant_id, 'silence', id FROM changed RETURNING subject_id)
       SELECT subject_id AS id, pg_notify('${OUTBOX_CHANNEL}', '') FROM queued`,
      params,
    );
    const silence = await this.repo.findOneBy({ tenantId, id });
    if (!silence) return { outcome: 'not-found' };
    return rows.length > 0 ? { outcome: 'saved', silence } : { outcome: 'expired', silence };
  }
}
