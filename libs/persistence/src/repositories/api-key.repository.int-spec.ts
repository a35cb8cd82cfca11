import { randomBytes } from 'node:crypto';
import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { ApiKeyRepository, type NewApiKey } from './api-key.repository';
import { TenantRepository } from './tenant.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const keys = new ApiKeyRepository(dataSource);
const tenants = new TenantRepository(dataSource);

// The repository never sees a secret: rows carry a salt and a hash only.
const key = (tenantId: string, roles: string[], name = roles.join('+')): NewApiKey => ({
  tenantId,
  keyId: randomBytes(6).toString('hex'),
  name,
  roles,
  salt: 'salt',
  secretHash: 'hash',
  isDev: false,
});

async function tenantWith(...roleSets: string[][]): Promise<{ tenantId: string; keyIds: string[] }> {
  const tenantId = uniqueId('keys');
  await tenants.ensure(tenantId, `Keys ${tenantId}`);
  const keyIds: string[] = [];
  for (const roles of roleSets) keyIds.push((await keys.insert(key(tenantId, roles))).keyId);
  return { tenantId, keyIds };
}

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('ApiKeyRepository (real PostgreSQL)', () => {
  it('lists a tenant’s keys oldest first and finds one only in its own tenant', async () => {
    const a = await tenantWith(['admin'], ['viewer']);
    const b = await tenantWith(['admin']);

    expect((await keys.listForTenant(a.tenantId)).map((k) => k.keyId)).toEqual(a.keyIds);
    expect(await keys.findForTenant(a.tenantId, a.keyIds[1]!)).toMatchObject({ keyId: a.keyIds[1], roles: ['viewer'], revokedAt: null });
    expect(await keys.findForTenant(b.tenantId, a.keyIds[1]!)).toBeNull();
  });

  it('revokes a key, keeping the row; a second revocation changes nothing', async () => {
    const t = await tenantWith(['admin'], ['risk_officer']);
    const at = new Date('2026-03-01T00:00:00Z');

    const first = await keys.revoke(t.tenantId, t.keyIds[1]!, at, 'admin');
    const again = await keys.revoke(t.tenantId, t.keyIds[1]!, new Date(), 'admin');

    expect(first).toMatchObject({ outcome: 'revoked', key: { revokedAt: at } });
    expect(again).toMatchObject({ outcome: 'already-revoked', key: { revokedAt: at } });
    expect(await keys.findActiveByKeyId(t.keyIds[1]!)).toBeNull();
    expect(await keys.listForTenant(t.tenantId)).toHaveLength(2);
  });

  it('refuses to revoke the last active admin key, and allows it once another admin key exists', async () => {
    const t = await tenantWith(['admin'], ['viewer', 'risk_officer']);

    expect((await keys.revoke(t.tenantId, t.keyIds[0]!, new Date(), 'admin')).outcome).toBe('last-of-role');
    const second = await keys.insert(key(t.tenantId, ['admin', 'viewer']));
    expect((await keys.revoke(t.tenantId, t.keyIds[0]!, new Date(), 'admin')).outcome).toBe('revoked');
    expect((await keys.revoke(t.tenantId, second.keyId, new Date(), 'admin')).outcome).toBe('last-of-role');
  });

  it('lets only one of two concurrent revocations of the last two admin keys through', async () => {
    const t = await tenantWith(['admin'], ['admin']);

    const outcomes = await Promise.all(t.keyIds.map((id) => keys.revoke(t.tenantId, id, new Date(), 'admin')));

    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['last-of-role', 'revoked']);
  });

  it('answers not-found for another tenant’s key, leaving it active', async () => {
    const a = await tenantWith(['admin'], ['viewer']);
    const b = await tenantWith(['admin']);

    expect(await keys.revoke(b.tenantId, a.keyIds[1]!, new Date(), 'admin')).toEqual({ outcome: 'not-found' });
    expect(await keys.findActiveByKeyId(a.keyIds[1]!)).not.toBeNull();
  });
});

describe('TenantRepository (real PostgreSQL)', () => {
  it('creates a tenant with its first key in one go, refuses an existing id, renames, and lists with key counts', async () => {
    const tenantId = uniqueId('tenant');
    const first = key(tenantId, ['admin'], 'first admin');

    expect(await tenants.create(tenantId, 'Sakura Bank', first)).toBe('created');
    expect(await tenants.create(tenantId, 'Another', key(tenantId, ['admin']))).toBe('exists');
    expect(await keys.listForTenant(tenantId)).toHaveLength(1);

    expect(await tenants.rename(tenantId, 'Sakura Bank Ltd.')).toMatchObject({ id: tenantId, name: 'Sakura Bank Ltd.' });
    expect(await tenants.rename(uniqueId('missing'), 'x')).toBeNull();
    await keys.insert(key(tenantId, ['viewer']));
    expect((await tenants.list('admin')).find((t) => t.id === tenantId)).toMatchObject({ name: 'Sakura Bank Ltd.', activeKeys: 2, activeAdminKeys: 1 });
  });
});
