import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { UUID } from './alert.repository';

/**
 * A notification channel as the API shows it. The secret is write-only: nothing here reads it
 * back, only whether one is set (the sender reads it through `NotificationRepository`).
 */
export interface ChannelRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly kind: string;
  readonly config: Record<string, unknown>;
  readonly enabled: boolean;
  readonly secretSet: boolean;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewChannel {
  readonly name: string;
  readonly kind: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly secret: string | null;
  readonly enabled: boolean;
  readonly createdBy: string;
}

/** Fields to change; `secret: null` removes the secret, an absent field stays as it is. */
export interface ChannelChanges {
  readonly name?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly secret?: string | null;
  readonly enabled?: boolean;
}

/** A route, named, as a reason a channel cannot go. */
export interface RouteRef {
  readonly id: string;
  readonly name: string;
}

export type ChannelDeleteResult = { readonly outcome: 'deleted' } | { readonly outcome: 'not-found' } | { readonly outcome: 'in-use'; readonly routes: RouteRef[] };

/** Another live row of the tenant already has the name (the unique indexes say so). */
export class NameTakenError extends Error {
  override readonly name = 'NameTakenError';
  constructor(readonly what: string, readonly taken: string) {
    super(`A ${what} named "${taken}" already exists.`);
  }
}

/** True when the error is a violation of the named unique index. */
export function isUniqueViolation(error: unknown, index: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown };
  return driverError.code === '23505' && driverError.constraint === index;
}

interface ChannelRow {
  id: string;
  tenant_id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  enabled: boolean;
  secret_set: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

// Every read names its columns: the secret never leaves the database through this class.
const COLUMNS = `id, tenant_id, name, kind, config, enabled, secret IS NOT NULL AS secret_set, created_by, created_at, updated_at`;

function toRecord(row: ChannelRow): ChannelRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    kind: row.kind,
    config: row.config,
    enabled: row.enabled,
    secretSet: row.secret_set,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The tenants' notification channels. Deleting keeps the row (notifications name it) and frees the name. */
@Injectable()
export class ChannelRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Throws {@link NameTakenError} when a live channel of the tenant has the name. */
  async create(tenantId: string, channel: NewChannel): Promise<ChannelRecord> {
    try {
      const [row] = await this.dataSource.query<ChannelRow[]>(
        `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, enabled, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [tenantId, channel.name, channel.kind, JSON.stringify(channel.config), channel.secret, channel.enabled, channel.createdBy],
      );
      if (!row) throw new Error(`channel ${channel.name} of tenant ${tenantId} was not stored`);
      return toRecord(row);
    } catch (error) {
      if (isUniqueViolation(error, 'uq_notification_channels_name')) throw new NameTakenError('channel', channel.name);
      throw error;
    }
  }

  /** The tenant's live channels by name. */
  async list(tenantId: string): Promise<ChannelRecord[]> {
    const rows = await this.dataSource.query<ChannelRow[]>(
      `SELECT ${COLUMNS} FROM notification_channels WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY name, id`,
      [tenantId],
    );
    return rows.map(toRecord);
  }

  /** A live channel of the tenant; a deleted one or another tenant's is as absent as a missing one. */
  async get(tenantId: string, id: string): Promise<ChannelRecord | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query<ChannelRow[]>(`SELECT ${COLUMNS} FROM notification_channels WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [
      tenantId,
      id,
    ]);
    return row ? toRecord(row) : null;
  }

  /** Changes the given fields of a live channel; `null` when there is none. Throws {@link NameTakenError}. */
  async update(tenantId: string, id: string, changes: ChannelChanges): Promise<ChannelRecord | null> {
    if (!UUID.test(id)) return null;
    const sets: string[] = [];
    const params: unknown[] = [tenantId, id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.config !== undefined) set('config', JSON.stringify(changes.config));
    if (changes.secret !== undefined) set('secret', changes.secret);
    if (changes.enabled !== undefined) set('enabled', changes.enabled);
    try {
      const [rows] = await this.dataSource.query<[ChannelRow[], number]>(
        `UPDATE notification_channels SET ${[...sets, 'updated_at = now()'].join(', ')}
          WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
        params,
      );
      const row = rows[0];
      return row ? toRecord(row) : null;
    } catch (error) {
      if (isUniqueViolation(error, 'uq_notification_channels_name')) throw new NameTakenError('channel', changes.name ?? '');
      throw error;
    }
  }

  /**
   * Deletes a live channel unless a route still sends to it. The channel row is locked first,
   * so a route being written with it at the same time (which locks it for share, see
   * `RouteRepository`) either commits before the check and is seen, or fails to find the channel.
   */
  async softDelete(tenantId: string, id: string): Promise<ChannelDeleteResult> {
    if (!UUID.test(id)) return { outcome: 'not-found' };
    return this.dataSource.transaction(async (m) => {
      const [locked] = await m.query<unknown[]>(`SELECT 1 FROM notification_channels WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`, [tenantId, id]);
      if (!locked) return { outcome: 'not-found' };
      const routes = await routesUsing(m, tenantId, id);
      if (routes.length > 0) return { outcome: 'in-use', routes };
      await m.query(`UPDATE notification_channels SET deleted_at = now(), updated_at = now() WHERE id = $1`, [id]);
      return { outcome: 'deleted' };
    });
  }

  /** The tenant's routes that send to the channel, by name. */
  async routesUsing(tenantId: string, channelId: string): Promise<RouteRef[]> {
    if (!UUID.test(channelId)) return [];
    return routesUsing(this.dataSource.manager, tenantId, channelId);
  }
}

function routesUsing(m: EntityManager, tenantId: string, channelId: string): Promise<RouteRef[]> {
  return m.query<RouteRef[]>(`SELECT id, name FROM notification_routes WHERE tenant_id = $1 AND $2::uuid = ANY(channel_ids) ORDER BY name, id`, [tenantId, channelId]);
}
