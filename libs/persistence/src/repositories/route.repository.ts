import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NotificationRouteEntity } from '../entities/notification-route.entity';
import { UUID } from './alert.repository';
import { isUniqueViolation, NameTakenError } from './channel.repository';

/** What a route is made of; empty matcher lists match any alert. */
export interface RouteFields {
  readonly name: string;
  readonly level: number;
  readonly severities: readonly string[];
  readonly sectors: readonly string[];
  readonly modelIds: readonly string[];
  readonly ruleIds: readonly string[];
  readonly channelIds: readonly string[];
}

/**
 * The outcome of writing a route. `bad-channels` lists the channel ids that are not live
 * channels of the tenant (unknown, another tenant's, or deleted); nothing was written.
 */
export type RouteWriteResult =
  | { readonly outcome: 'saved'; readonly route: NotificationRouteEntity }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'bad-channels'; readonly channelIds: string[] };

/** The tenants' routing rules from alerts to channels. */
@Injectable()
export class RouteRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Throws {@link NameTakenError} when the tenant has a route of that name. */
  async create(tenantId: string, fields: RouteFields, createdBy: string): Promise<RouteWriteResult> {
    return this.write(fields.name, async (m) => {
      const bad = await lockChannels(m, tenantId, fields.channelIds);
      if (bad.length > 0) return { outcome: 'bad-channels', channelIds: bad };
      const repository = m.getRepository(NotificationRouteEntity);
      const { identifiers } = await repository.insert({ tenantId, ...columnsOf(fields), createdBy });
      const id = (identifiers[0] as { id: string } | undefined)?.id;
      if (!id) throw new Error(`route ${fields.name} of tenant ${tenantId} was not stored`);
      return { outcome: 'saved', route: await repository.findOneByOrFail({ tenantId, id }) };
    });
  }

  /** The tenant's routes by level, then name. */
  async list(tenantId: string): Promise<NotificationRouteEntity[]> {
    return this.dataSource.getRepository(NotificationRouteEntity).find({ where: { tenantId }, order: { level: 'ASC', name: 'ASC', id: 'ASC' } });
  }

  /** The route if it belongs to the tenant. */
  async get(tenantId: string, id: string): Promise<NotificationRouteEntity | null> {
    if (!UUID.test(id)) return null;
    return this.dataSource.getRepository(NotificationRouteEntity).findOneBy({ tenantId, id });
  }

  /** Changes the given fields; new channel ids are checked as on create. Throws {@link NameTakenError}. */
  async update(tenantId: string, id: string, changes: Partial<RouteFields>): Promise<RouteWriteResult> {
    if (!UUID.test(id)) return { outcome: 'not-found' };
    return this.write(changes.name ?? '', async (m) => {
      const repository = m.getRepository(NotificationRouteEntity);
      const current = await repository.findOne({ where: { tenantId, id }, lock: { mode: 'pessimistic_write' } });
      if (!current) return { outcome: 'not-found' };
      if (changes.channelIds !== undefined) {
        const bad = await lockChannels(m, tenantId, changes.channelIds);
        if (bad.length > 0) return { outcome: 'bad-channels', channelIds: bad };
      }
      const next = columnsOf({
        name: changes.name ?? current.name,
        level: changes.level ?? current.level,
        severities: changes.severities ?? current.severities,
        sectors: changes.sectors ?? current.sectors,
        modelIds: changes.modelIds ?? current.modelIds,
        ruleIds: changes.ruleIds ?? current.ruleIds,
        channelIds: changes.channelIds ?? current.channelIds,
      });
      await repository.update({ tenantId, id }, next);
      return { outcome: 'saved', route: await repository.findOneByOrFail({ tenantId, id }) };
    });
  }

  /** Deletes the route for good; false when the tenant has no such route. */
  async remove(tenantId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const result = await this.dataSource.getRepository(NotificationRouteEntity).delete({ tenantId, id });
    return (result.affected ?? 0) > 0;
  }

  private async write(name: string, work: (m: EntityManager) => Promise<RouteWriteResult>): Promise<RouteWriteResult> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (isUniqueViolation(error, 'uq_notification_routes_name')) throw new NameTakenError('route', name);
      throw error;
    }
  }
}

function columnsOf(fields: RouteFields) {
  return {
    name: fields.name,
    level: fields.level,
    severities: [...fields.severities],
    sectors: [...fields.sectors],
    modelIds: [...fields.modelIds],
    ruleIds: [...fields.ruleIds],
    channelIds: [...fields.channelIds],
  };
}

/**
 * Locks the live channels among `channelIds` for share until the transaction ends (so they
 * cannot be deleted under a route being written) and returns the ids that are not live
 * channels of the tenant, in the order given.
 */
async function lockChannels(m: EntityManager, tenantId: string, channelIds: readonly string[]): Promise<string[]> {
  const wellFormed = channelIds.filter((c) => UUID.test(c));
  const rows =
    wellFormed.length === 0
      ? []
      : await m.query<{ id: string }[]>(
          `SELECT id FROM notification_channels WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL ORDER BY id FOR SHARE`,
          [tenantId, wellFormed],
        );
  const live = new Set(rows.map((r) => r.id.toLowerCase()));
  return channelIds.filter((c) => !live.has(c.toLowerCase()));
}
