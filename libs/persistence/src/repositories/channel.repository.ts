import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { SecretBox, SecretOpenError } from '@kanshi/secrets';
import { UUID } from './alert.repository';
import { channelSecretContext, maskChannelConfig, revealChannelValue, sealChannelConfig, type SealedChannelField } from './channel-secrets';

/**
 * A notification channel as the API shows it. The secret is write-only: nothing here reads it
 * back, only whether one is set (the sender reads it through `NotificationRepository`). The
 * configuration's URL, which may carry a token, shows only its scheme, host and port.
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

/**
 * Fields to change; `secret: null` removes the secret, an absent field stays as it is. A
 * `config.url` equal to the masked URL the record shows keeps the stored URL.
 */
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

/** What `npm run secrets -- reseal` did to one table's sealed fields. */
export interface ResealReport {
  readonly table: string;
  /** Plaintext values (stored before sealing existed) now sealed. */
  readonly sealed: number;
  /** Values sealed with a previous key, now sealed with the current one. */
  readonly resealed: number;
  /** Values already sealed with the current key. */
  readonly current: number;
  /** Values that did not open (left as they are), each with why; never a value. */
  readonly failed: readonly { readonly id: string; readonly field: string; readonly error: string }[];
}

// Every read names its columns: the secret never leaves the database through this class.
const COLUMNS = `id, tenant_id, name, kind, config, enabled, secret IS NOT NULL AS secret_set, created_by, created_at, updated_at`;

const RESEAL_BATCH = 200;

/**
 * The tenants' notification channels. Deleting keeps the row (notifications name it) and frees
 * the name. Secrets and configuration URLs are stored sealed (`SecretBox`), each for its row
 * and field.
 */
@Injectable()
export class ChannelRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  /** Throws {@link NameTakenError} when a live channel of the tenant has the name. */
  async create(tenantId: string, channel: NewChannel): Promise<ChannelRecord> {
    // The id is chosen here: the sealed values are bound to it.
    const id = randomUUID();
    const config = sealChannelConfig(this.secrets, id, channel.config);
    const secret = channel.secret === null ? null : this.secrets.seal(channel.secret, channelSecretContext(id, 'secret'));
    try {
      const [row] = await this.dataSource.query<ChannelRow[]>(
        `INSERT INTO notification_channels (id, tenant_id, name, kind, config, secret, enabled, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [id, tenantId, channel.name, channel.kind, JSON.stringify(config), secret, channel.enabled, channel.createdBy],
      );
      if (!row) throw new Error(`channel ${channel.name} of tenant ${tenantId} was not stored`);
      return this.toRecord(row);
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
    return rows.map((row) => this.toRecord(row));
  }

  /** A live channel of the tenant; a deleted one or another tenant's is as absent as a missing one. */
  async get(tenantId: string, id: string): Promise<ChannelRecord | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query<ChannelRow[]>(`SELECT ${COLUMNS} FROM notification_channels WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [
      tenantId,
      id,
    ]);
    return row ? this.toRecord(row) : null;
  }

  /** Changes the given fields of a live channel; `null` when there is none. Throws {@link NameTakenError}. */
  async update(tenantId: string, id: string, changes: ChannelChanges): Promise<ChannelRecord | null> {
    if (!UUID.test(id)) return null;
    try {
      return await this.dataSource.transaction(async (m) => {
        const [current] = await m.query<{ config: Record<string, unknown> }[]>(
          `SELECT config FROM notification_channels WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
          [tenantId, id],
        );
        if (!current) return null;
        const sets: string[] = [];
        const params: unknown[] = [tenantId, id];
        const set = (column: string, value: unknown) => {
          params.push(value);
          sets.push(`${column} = $${params.length}`);
        };
        if (changes.name !== undefined) set('name', changes.name);
        if (changes.config !== undefined) set('config', JSON.stringify(this.nextConfig(id, current.config, changes.config)));
        if (changes.secret !== undefined) set('secret', changes.secret === null ? null : this.secrets.seal(changes.secret, channelSecretContext(id, 'secret')));
        if (changes.enabled !== undefined) set('enabled', changes.enabled);
        const [rows] = await m.query<[ChannelRow[], number]>(
          `UPDATE notification_channels SET ${[...sets, 'updated_at = now()'].join(', ')}
            WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
          params,
        );
        const row = rows[0];
        return row ? this.toRecord(row) : null;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'uq_notification_channels_name')) throw new NameTakenError('channel', changes.name ?? '');
      throw error;
    }
  }

  /**
   * Seals again, with the current key, every channel value that needs it: plaintext stored
   * before sealing existed, and values sealed with a previous key. Deleted channels included
   * (their rows stay). A value that does not open is left as it is and reported.
   */
  async reseal(options: { readonly tenantId?: string } = {}): Promise<ResealReport> {
    const counts = { sealed: 0, resealed: 0, current: 0 };
    const failed: { id: string; field: string; error: string }[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.dataSource.transaction(async (m) => {
        const rows = await m.query<{ id: string; secret: string | null; config: Record<string, unknown> }[]>(
          `SELECT id, secret, config FROM notification_channels
            WHERE id > $1 AND ($2::text IS NULL OR tenant_id = $2) ORDER BY id LIMIT ${RESEAL_BATCH} FOR UPDATE`,
          [after, options.tenantId ?? null],
        );
        for (const row of rows) {
          const resealed = (field: SealedChannelField, stored: unknown): unknown => {
            if (typeof stored !== 'string') return stored;
            if (!this.secrets.needsReseal(stored)) {
              counts.current += 1;
              return stored;
            }
            try {
              const plaintext = revealChannelValue(this.secrets, row.id, field, stored);
              counts[this.secrets.isSealed(stored) ? 'resealed' : 'sealed'] += 1;
              return this.secrets.seal(plaintext, channelSecretContext(row.id, field));
            } catch (error) {
              if (!(error instanceof SecretOpenError)) throw error;
              failed.push({ id: row.id, field, error: error.message });
              return stored;
            }
          };
          const secret = resealed('secret', row.secret);
          const url = resealed('config.url', row.config['url']);
          if (secret !== row.secret || url !== row.config['url']) {
            // Not a change anyone made: updated_at stays.
            await m.query(`UPDATE notification_channels SET secret = $2, config = $3 WHERE id = $1`, [row.id, secret, JSON.stringify({ ...row.config, url })]);
          }
        }
        return rows;
      });
      const last = batch[batch.length - 1];
      if (!last) break;
      after = last.id;
    }
    return { table: 'notification_channels', ...counts, failed };
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

  /** The configuration to store: a URL equal to the masked one shown keeps the stored URL; any other is sealed. */
  private nextConfig(id: string, stored: Readonly<Record<string, unknown>>, next: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const storedUrl = stored['url'];
    const unchanged = typeof storedUrl === 'string' && next['url'] === maskChannelConfig(this.secrets, id, stored)['url'];
    return sealChannelConfig(this.secrets, id, unchanged ? { ...next, url: storedUrl } : next);
  }

  private toRecord(row: ChannelRow): ChannelRecord {
    return {
      id: row.id,
      tenantId: row.tenant_id,
      name: row.name,
      kind: row.kind,
      config: maskChannelConfig(this.secrets, row.id, row.config),
      enabled: row.enabled,
      secretSet: row.secret_set,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

function routesUsing(m: EntityManager, tenantId: string, channelId: string): Promise<RouteRef[]> {
  return m.query<RouteRef[]>(`SELECT id, name FROM notification_routes WHERE tenant_id = $1 AND $2::uuid = ANY(channel_ids) ORDER BY name, id`, [tenantId, channelId]);
}
