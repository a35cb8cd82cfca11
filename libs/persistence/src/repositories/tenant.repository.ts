import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { TenantEntity } from '../entities/tenant.entity';
import type { NewApiKey } from './api-key.repository';

/** A tenant with how many of its keys still work, for the operator's listing. */
export interface TenantSummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly activeKeys: number;
  readonly activeAdminKeys: number;
}

@Injectable()
export class TenantRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ensure(id: string, name: string): Promise<void> {
    await this.dataSource.getRepository(TenantEntity).createQueryBuilder().insert().values({ id, name }).orIgnore().execute();
  }

  find(id: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ id });
  }

  /** Creates the tenant and its first key together, so a tenant never exists without a key to manage it. */
  create(id: string, name: string, firstKey: NewApiKey): Promise<'created' | 'exists'> {
    return this.dataSource.transaction(async (manager) => {
      const inserted = await manager.createQueryBuilder().insert().into(TenantEntity).values({ id, name }).orIgnore().returning('id').execute();
      if ((inserted.raw as unknown[]).length === 0) return 'exists';
      await manager.getRepository(ApiKeyEntity).insert({ ...firstKey, tenantId: id, roles: [...firstKey.roles] });
      return 'created';
    });
  }

  async rename(id: string, name: string): Promise<TenantEntity | null> {
    await this.dataSource.getRepository(TenantEntity).update({ id }, { name });
    return this.find(id);
  }

  /** Every tenant, with its active keys counted (`adminRole` counted apart). */
  async list(adminRole: string): Promise<TenantSummary[]> {
    const rows = await this.dataSource.query<{ id: string; name: string; created_at: Date; active_keys: string; active_admin_keys: string }[]>(
      `SELECT t.id, t.name, t.created_at,
              count(k.id) FILTER (WHERE k.revoked_at IS NULL) AS active_keys,
              count(k.id) FILTER (WHERE k.revoked_at IS NULL AND $1 = ANY (k.roles)) AS active_admin_keys
         FROM tenants t LEFT JOIN api_keys k ON k.tenant_id = t.id
        GROUP BY t.id ORDER BY t.id`,
      [adminRole],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, activeKeys: Number(r.active_keys), activeAdminKeys: Number(r.active_admin_keys) }));
  }
}
