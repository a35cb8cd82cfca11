import type { DataSource } from 'typeorm';
import { ApiKeyService, ROLES, type Role } from '@kanshi/auth';
import { ApiKeyRepository, ModelRepository, TenantRepository } from '@kanshi/persistence';
import { modelProfile, type ModelProfile } from '@kanshi/policy-sdk';
import { createIngestKey } from './signed-telemetry';

export interface TenantFixture {
  readonly tenantId: string;
  /** Whole API keys by role. */
  readonly keys: Readonly<Record<Role, string>>;
  /** A whole ingest key of the tenant, to sign records written straight to Kafka. */
  readonly ingestKey: string;
}

/** Creates a tenant with one key per role, an ingest key (and optional inventory entries) in the database. */
export async function createTenantFixture(
  dataSource: DataSource,
  tenantId: string,
  models: readonly (Partial<Omit<ModelProfile, 'tenantId'>> & Pick<ModelProfile, 'modelId'>)[] = [],
  options: { devKey?: boolean } = {},
): Promise<TenantFixture> {
  await new TenantRepository(dataSource).ensure(tenantId, `Test tenant ${tenantId}`);
  const apiKeys = new ApiKeyService(new ApiKeyRepository(dataSource));
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    keys[role] = await apiKeys.create({ tenantId, name: `${role} key`, roles: [role], isDev: role === 'admin' && options.devKey === true });
  }
  const inventory = new ModelRepository(dataSource);
  for (const model of models) await inventory.upsert(modelProfile({ ...model, tenantId }));
  return { tenantId, keys, ingestKey: await createIngestKey(dataSource, tenantId) };
}
