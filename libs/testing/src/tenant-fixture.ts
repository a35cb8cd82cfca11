import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { generateApiKey, hashSecret, type Role } from '@kanshi/auth';
import { ApiKeyRepository, ModelRepository, TenantRepository } from '@kanshi/persistence';
import type { ModelProfile } from '@kanshi/policy-sdk';

export interface TenantFixture {
  readonly tenantId: string;
  /** Whole API keys by role. */
  readonly keys: Readonly<Record<Role, string>>;
}

/** Creates a tenant with one key per role (and optional inventory entries) in the database. */
export async function createTenantFixture(
  dataSource: DataSource,
  tenantId: string,
  models: readonly Omit<ModelProfile, 'tenantId'>[] = [],
  options: { devKey?: boolean } = {},
): Promise<TenantFixture> {
  await new TenantRepository(dataSource).ensure(tenantId, `Test tenant ${tenantId}`);
  const apiKeys = new ApiKeyRepository(dataSource);
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'risk_officer', 'producer', 'viewer'] as const) {
    const key = generateApiKey();
    const salt = randomBytes(16).toString('base64url');
    await apiKeys.insertIfAbsent({
      tenantId,
      keyId: key.keyId,
      name: `${role} key`,
      roles: [role],
      salt,
      secretHash: hashSecret(key.secret, salt),
      isDev: role === 'admin' && options.devKey === true,
    });
    keys[role] = key.token;
  }
  const inventory = new ModelRepository(dataSource);
  for (const model of models) await inventory.upsert({ ...model, tenantId });
  return { tenantId, keys };
}
