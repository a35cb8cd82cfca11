import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLogEntity } from '../entities/audit-log.entity';
import { InvalidCursorError } from './alert.repository';

export interface NewAuditEntry {
  readonly tenantId: string;
  readonly actor: string;
  readonly actorName: string | null;
  readonly roles: readonly string[];
  readonly method: string;
  readonly path: string;
  readonly target: string;
  readonly status: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly details: Record<string, unknown>;
}

export interface AuditFilter {
  readonly actor?: string;
  readonly method?: string;
  /** Matches the start of the route pattern or of the concrete path. */
  readonly pathPrefix?: string;
  /** Inclusive. */
  readonly since?: Date;
  /** Exclusive. */
  readonly until?: Date;
}

export interface AuditPage {
  readonly items: AuditLogEntity[];
  /** Pass as `cursor` to read the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

const likePrefix = (text: string): string => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The audit trail: insert and read only (the table refuses updates and deletes). */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(AuditLogEntity);
  }

  async insert(e: NewAuditEntry): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit_log (tenant_id, actor, actor_name, roles, method, path, target, status, ip, user_agent, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [e.tenantId, e.actor, e.actorName, [...e.roles], e.method, e.path, e.target, e.status, e.ip, e.userAgent, JSON.stringify(e.details)],
    );
  }

  /** The tenant's entries, newest first. */
  async list(tenantId: string, filter: AuditFilter, limit: number, cursor?: string): Promise<AuditPage> {
    const query = this.repo
      .createQueryBuilder('l')
      .where('l.tenant_id = :tenantId', { tenantId })
      .orderBy('l.id', 'DESC')
      .take(limit + 1);
    if (filter.actor) query.andWhere('l.actor = :actor', { actor: filter.actor });
    if (filter.method) query.andWhere('l.method = :method', { method: filter.method.toUpperCase() });
    if (filter.pathPrefix) query.andWhere('(l.path LIKE :prefix OR l.target LIKE :prefix)', { prefix: likePrefix(filter.pathPrefix) });
    if (filter.since) query.andWhere('l.at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('l.at < :until', { until: filter.until });
    if (cursor) {
      const before = /^\d{1,19}$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))?.[0];
      // Beyond bigint, PostgreSQL would refuse the value: a bad cursor, not a server error.
      if (!before || BigInt(before) > 9_223_372_036_854_775_807n) throw new InvalidCursorError();
      query.andWhere('l.id < :before', { before });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null };
  }
}
