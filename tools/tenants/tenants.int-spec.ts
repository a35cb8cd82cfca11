import { ApiKeyService } from '@kanshi/auth';
import { loadConfig } from '@kanshi/config';
import { ApiKeyRepository, createDataSource } from '@kanshi/persistence';
import { uniqueId } from '@kanshi/testing';
import { createTenant, listTenants, TenantExistsError } from './tenant-commands';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('tenants command (real PostgreSQL)', () => {
  it('creates a tenant and a working admin key, stored only as a salted hash', async () => {
    const tenantId = uniqueId('cli');

    const key = await createTenant(dataSource, tenantId, 'Minato General Hospital', 'first admin');

    const principal = await new ApiKeyService(new ApiKeyRepository(dataSource)).authenticate(key);
    expect(principal).toEqual({ tenantId, keyId: key.split('_')[1], keyName: 'first admin', roles: ['admin'] });
    const secret = key.split('_').slice(2).join('_');
    const rows = await dataSource.query<{ row: string }[]>(`SELECT row_to_json(k)::text AS row FROM api_keys k WHERE tenant_id = $1`, [tenantId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain(secret);
    expect((await listTenants(dataSource)).find((t) => t.id === tenantId)).toMatchObject({ name: 'Minato General Hospital', activeKeys: 1, activeAdminKeys: 1 });
  });

  it('refuses an existing tenant, naming it, without adding a key', async () => {
    const tenantId = uniqueId('cli');
    await createTenant(dataSource, tenantId, 'First', 'first admin');

    await expect(createTenant(dataSource, tenantId, 'Second', 'first admin')).rejects.toThrow(TenantExistsError);
    await expect(createTenant(dataSource, tenantId, 'Second', 'first admin')).rejects.toThrow(`tenant "${tenantId}" already exists`);
    expect((await listTenants(dataSource)).find((t) => t.id === tenantId)).toMatchObject({ name: 'First', activeKeys: 1 });
  });
});
