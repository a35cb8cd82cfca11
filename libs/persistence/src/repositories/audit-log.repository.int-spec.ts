import { loadConfig } from '@kanshi/config';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { InvalidCursorError } from './alert.repository';
import { AuditLogRepository, type NewAuditEntry } from './audit-log.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const audit = new AuditLogRepository(dataSource);

const entry = (tenantId: string, extra: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  tenantId,
  actor: 'api-key:0123456789ab',
  actorName: 'Hanako (risk office)',
  roles: ['risk_officer'],
  method: 'POST',
  path: '/v1/alerts/:id/ack',
  target: '/v1/alerts/6b0d4f4e-1111-4c5e-9a57-000000000001/ack',
  status: 200,
  ip: '127.0.0.1',
  userAgent: 'jest',
  details: { body: { comment: 'checked' } },
  ...extra,
});

let tenantId: string;

beforeAll(async () => {
  await dataSource.initialize();
  tenantId = (await createTenantFixture(dataSource, uniqueId('audit'))).tenantId;
  await audit.insert(entry(tenantId));
  await audit.insert(entry(tenantId, { actor: 'api-key:aaaaaaaaaaaa', roles: ['viewer'], status: 403 }));
  await audit.insert(entry(tenantId, { method: 'DELETE', path: '/v1/keys/:keyId', target: '/v1/keys/bbbbbbbbbbbb', roles: ['admin'], details: {} }));
  await audit.insert(entry(tenantId, { method: 'PUT', path: '/v1/models/:modelId', target: '/v1/models/credit_v2' }));
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('AuditLogRepository (real PostgreSQL)', () => {
  it('lists the tenant’s entries newest first, with every field', async () => {
    const page = await audit.list(tenantId, {}, 10);

    expect(page.items.map((e) => e.method)).toEqual(['PUT', 'DELETE', 'POST', 'POST']);
    expect(page.nextCursor).toBeNull();
    expect(page.items[3]).toMatchObject({ ...entry(tenantId), id: expect.any(String) as string, at: expect.any(Date) as Date });
  });

  it('filters by actor, method, path prefix (pattern or concrete path, wildcards literal) and time', async () => {
    expect((await audit.list(tenantId, { actor: 'api-key:aaaaaaaaaaaa' }, 10)).items.map((e) => e.status)).toEqual([403]);
    expect((await audit.list(tenantId, { method: 'delete' }, 10)).items.map((e) => e.target)).toEqual(['/v1/keys/bbbbbbbbbbbb']);
    expect((await audit.list(tenantId, { pathPrefix: '/v1/alerts/:id' }, 10)).items).toHaveLength(2);
    expect((await audit.list(tenantId, { pathPrefix: '/v1/keys/bbbb' }, 10)).items).toHaveLength(1);
    expect((await audit.list(tenantId, { pathPrefix: '/v1/models/credit_' }, 10)).items).toHaveLength(1);
    expect((await audit.list(tenantId, { pathPrefix: '/v1/models/credit%' }, 10)).items).toHaveLength(0);
    expect((await audit.list(tenantId, { since: new Date(Date.now() + 60_000) }, 10)).items).toHaveLength(0);
    expect((await audit.list(tenantId, { until: new Date(Date.now() + 60_000) }, 10)).items).toHaveLength(4);
  });

  it('pages with a cursor and refuses a forged one', async () => {
    const first = await audit.list(tenantId, {}, 3);
    expect(first.items).toHaveLength(3);
    const second = await audit.list(tenantId, {}, 3, first.nextCursor ?? undefined);

    expect(second.items.map((e) => e.method)).toEqual(['POST']);
    expect(second.nextCursor).toBeNull();
    await expect(audit.list(tenantId, {}, 3, 'not-a-cursor')).rejects.toBeInstanceOf(InvalidCursorError);
    // Digits beyond PostgreSQL's bigint: a bad cursor (400), not a database error (500).
    await expect(audit.list(tenantId, {}, 3, Buffer.from('9999999999999999999').toString('base64url'))).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('never shows another tenant’s entries', async () => {
    const other = await createTenantFixture(dataSource, uniqueId('audit-other'));

    expect((await audit.list(other.tenantId, {}, 10)).items).toEqual([]);
  });

  it('is append-only: the database refuses updates and deletes', async () => {
    // The apps' role has no UPDATE or DELETE on it; with one role for everything, the trigger refuses (database-roles.int-spec.ts shows both).
    await expect(dataSource.query(`UPDATE audit_log SET status = 200 WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/permission denied for table audit_log|append-only/);
    await expect(dataSource.query(`DELETE FROM audit_log WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/permission denied for table audit_log|append-only/);
    expect((await audit.list(tenantId, {}, 10)).items).toHaveLength(4);
  });
});
