import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { AlertWrites } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startApi } from '../../apps/api/src/main';

interface KeyView {
  key_id: string;
  name: string;
  roles: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  is_dev: boolean;
}

interface AuditView {
  id: string;
  at: string;
  actor: string;
  actor_name: string | null;
  roles: string[];
  method: string;
  path: string;
  target: string;
  status: number;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

const keyIdOf = (key: string): string => key.split('_')[1] ?? '';
const secretOf = (key: string): string => key.split('_').slice(2).join('_');

/** Everything the process writes to stdout and stderr from the start of the suite: the api's logs included. */
function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const tap =
    (original: typeof process.stdout.write) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      chunks.push(text);
      // Keep warnings and errors visible; the rest (verbose logs) only captured.
      if (/\b(WARN|ERROR|FATAL)\b/.test(text)) return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
      return true;
    };
  process.stdout.write = tap(originals.out);
  process.stderr.write = tap(originals.err);
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

async function startApiWith(env: Record<string, string>): Promise<{ app: INestApplication; http: Server; config: AppConfig }> {
  const config = loadConfig({ ...process.env, KANSHI_API_PORT: '0', KANSHI_QUEUE_PREFIX: `kanshi-test-${uniqueId('iam')}`, ...env });
  const app = await startApi(config);
  return { app, http: app.getHttpServer() as Server, config };
}

/**
 * Identity and access on the real api: keys (created, listed, revoked at once, the last admin
 * kept), `/v1/me`, the caller's tenant, the audit log of changes and refusals, roles and
 * tenants enforced, the per-key rate limit, and no key ever stored or logged in clear.
 */
describe('identity and access (real PostgreSQL and Redis)', () => {
  let output: ReturnType<typeof captureOutput>;
  let api: { app: INestApplication; http: Server; config: AppConfig };
  let dataSource: DataSource;
  let tenant: TenantFixture;
  let other: TenantFixture;
  let alertId: string;
  /** Keys created through the API in this suite: none may appear in clear anywhere. */
  const created: string[] = [];

  const as = (key: string) => ({ Authorization: `Bearer ${key}`, 'User-Agent': 'kanshi-e2e/1.0' });
  const get = (key: string, path: string, query: Record<string, string> = {}) => request(api.http).get(path).query(query).set(as(key)).then();
  const post = (key: string, path: string, body: object) => request(api.http).post(path).set(as(key)).send(body).then();
  const patch = (key: string, path: string, body: object) => request(api.http).patch(path).set(as(key)).send(body).then();
  const del = (key: string, path: string) => request(api.http).delete(path).set(as(key)).then();
  const fields = (response: Response) => [...new Set(((response.body as Problem).errors ?? []).map((e) => e.field))];
  const createKey = async (by: string, name: string, roles: string[]): Promise<{ key: string; body: Record<string, unknown> }> => {
    const response = await post(by, '/v1/keys', { name, roles });
    expect(response.status).toBe(201);
    const body = response.body as Record<string, unknown>;
    created.push(String(body['key']));
    return { key: String(body['key']), body };
  };

  beforeAll(async () => {
    output = captureOutput();
    // Debug logs on: the test proves that even they never hold a key.
    api = await startApiWith({ KANSHI_LOG_LEVEL: 'verbose', KANSHI_RATE_LIMIT_PER_MINUTE: '100000' });
    dataSource = api.app.get(DataSource);
    tenant = await createTenantFixture(dataSource, uniqueId('iam'));
    other = await createTenantFixture(dataSource, uniqueId('iam-other'));
    const modelId = 'credit-scoring';
    alertId = (await api.app.get(AlertWrites).recordFindings(raiseAlertJob(tenant.tenantId, modelId, [findingRecord(g1Fingerprint(tenant.tenantId, modelId), 'high')]))).alertId;
  });

  afterAll(async () => {
    output?.restore();
    await api?.app.close();
    const redis = new Redis(api.config.values.redisUrl);
    const keys = await redis.keys(`${api.config.values.queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  describe('/v1/me', () => {
    it.each(['admin', 'risk_officer', 'producer', 'viewer'] as const)('tells a %s key who it is', async (role) => {
      const response = await get(tenant.keys[role], '/v1/me');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ tenant_id: tenant.tenantId, tenant_name: `Test tenant ${tenant.tenantId}`, key_id: keyIdOf(tenant.keys[role]), key_name: `${role} key`, roles: [role] });
    });

    it('is 401 without a key, as problem details', async () => {
      const response = await request(api.http).get('/v1/me');

      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
    });
  });

  describe('the caller’s tenant', () => {
    it('is readable by admin, risk_officer and viewer, not by producer', async () => {
      for (const role of ['admin', 'risk_officer', 'viewer'] as const) {
        const response = await get(tenant.keys[role], '/v1/tenant');
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ id: tenant.tenantId, name: `Test tenant ${tenant.tenantId}` });
      }
      expect((await get(tenant.keys.producer, '/v1/tenant')).status).toBe(403);
    });

    it('is renamed by an admin only, with the field named when invalid', async () => {
      expect((await patch(tenant.keys.risk_officer, '/v1/tenant', { name: 'Nope' })).status).toBe(403);
      expect((await patch(tenant.keys.viewer, '/v1/tenant', { name: 'Nope' })).status).toBe(403);
      const bad = await patch(tenant.keys.admin, '/v1/tenant', { name: '' });
      expect(bad.status).toBe(400);
      expect(fields(bad)).toEqual(['name']);

      const renamed = await patch(tenant.keys.admin, '/v1/tenant', { name: 'Sakura Bank (test)' });

      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: tenant.tenantId, name: 'Sakura Bank (test)' });
      expect((await get(tenant.keys.viewer, '/v1/me')).body).toMatchObject({ tenant_name: 'Sakura Bank (test)' });
      // The other tenant is untouched.
      expect((await get(other.keys.admin, '/v1/tenant')).body).toMatchObject({ id: other.tenantId, name: `Test tenant ${other.tenantId}` });
    });
  });

  describe('API keys', () => {
    it('creates a key shown once, which works at once with its roles', async () => {
      const { key, body } = await createKey(tenant.keys.admin, 'Hanako (risk office)', ['risk_officer', 'viewer']);

      expect(Object.keys(body).sort()).toEqual(['created_at', 'key', 'key_id', 'name', 'note', 'roles']);
      expect(key).toMatch(/^kanshi_[a-f0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect(body).toMatchObject({ key_id: keyIdOf(key), name: 'Hanako (risk office)', roles: ['risk_officer', 'viewer'] });
      expect(String(body['note'])).toContain('only time');
      expect((await get(key, '/v1/me')).body).toMatchObject({ key_id: keyIdOf(key), roles: ['risk_officer', 'viewer'] });
    });

    it('lists the tenant’s keys without hash, salt or secret', async () => {
      const response = await get(tenant.keys.admin, '/v1/keys');

      expect(response.status).toBe(200);
      const items = (response.body as { items: KeyView[] }).items;
      expect(items.map((k) => k.key_id)).toEqual(expect.arrayContaining([...Object.values(tenant.keys).map(keyIdOf), ...created.map(keyIdOf)]));
      expect(items.map((k) => k.key_id)).not.toContain(keyIdOf(other.keys.admin));
      for (const item of items) expect(Object.keys(item).sort()).toEqual(['created_at', 'is_dev', 'key_id', 'last_used_at', 'name', 'revoked_at', 'roles']);
      expect(items.find((k) => k.key_id === keyIdOf(tenant.keys.admin))?.last_used_at).not.toBeNull();
    });

    it('names the bad field of a create request', async () => {
      for (const body of [{ name: 'x', roles: [] }, { name: 'x', roles: ['root'] }, { name: 'x', roles: ['viewer', 'viewer'] }]) {
        const response = await post(tenant.keys.admin, '/v1/keys', body);
        expect(response.status).toBe(400);
        expect(fields(response).every((f) => f.startsWith('roles'))).toBe(true);
      }
      const noName = await post(tenant.keys.admin, '/v1/keys', { roles: ['viewer'] });
      expect(fields(noName)).toEqual(['name']);
    });

    it('revokes a key: 401 at once, still listed with revoked_at; revoking again changes nothing', async () => {
      const { key } = await createKey(tenant.keys.admin, 'temporary', ['viewer']);
      expect((await get(key, '/v1/me')).status).toBe(200);

      const revoked = await del(tenant.keys.admin, `/v1/keys/${keyIdOf(key)}`);

      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ key_id: keyIdOf(key), revoked_at: expect.any(String) as string });
      expect((await get(key, '/v1/me')).status).toBe(401);
      const listed = ((await get(tenant.keys.admin, '/v1/keys')).body as { items: KeyView[] }).items.find((k) => k.key_id === keyIdOf(key));
      expect(listed?.revoked_at).toBe((revoked.body as KeyView).revoked_at);
      const again = await del(tenant.keys.admin, `/v1/keys/${keyIdOf(key)}`);
      expect(again.status).toBe(200);
      expect((again.body as KeyView).revoked_at).toBe((revoked.body as KeyView).revoked_at);
    });

    it('refuses to revoke the tenant’s last active admin key (409) until another admin key exists', async () => {
      const last = await del(tenant.keys.admin, `/v1/keys/${keyIdOf(tenant.keys.admin)}`);
      expect(last.status).toBe(409);
      expect((last.body as Problem).detail).toContain('last active admin key');

      const { key: second } = await createKey(tenant.keys.admin, 'second admin', ['admin']);
      expect((await del(second, `/v1/keys/${keyIdOf(second)}`)).status).toBe(200);
      expect((await get(second, '/v1/keys')).status).toBe(401);
      expect((await del(tenant.keys.admin, `/v1/keys/${keyIdOf(tenant.keys.admin)}`)).status).toBe(409);
      expect((await get(tenant.keys.admin, '/v1/me')).status).toBe(200);
    });

    it('answers 404 for another tenant’s key id (and a malformed one), leaving that key working', async () => {
      const response = await del(tenant.keys.admin, `/v1/keys/${keyIdOf(other.keys.viewer)}`);

      expect(response.status).toBe(404);
      expect((await del(tenant.keys.admin, '/v1/keys/not-a-key-id')).status).toBe(404);
      expect((await get(other.keys.viewer, '/v1/me')).status).toBe(200);
    });

    it.each(['risk_officer', 'producer', 'viewer'] as const)('refuses every key route to a %s key (403)', async (role) => {
      const key = tenant.keys[role];
      expect((await get(key, '/v1/keys')).status).toBe(403);
      expect((await post(key, '/v1/keys', { name: 'sneaky', roles: ['admin'] })).status).toBe(403);
      expect((await del(key, `/v1/keys/${keyIdOf(tenant.keys.viewer)}`)).status).toBe(403);
      expect((await get(key, '/v1/audit')).status).toBe(403);
    });
  });

  describe('audit log', () => {
    it('records a risk officer’s ack and a viewer’s refused attempt, with actor, route, status and address', async () => {
      const refused = await post(tenant.keys.viewer, `/v1/alerts/${alertId}/ack`, { comment: 'I cannot do this' });
      expect(refused.status).toBe(403);
      const acked = await post(tenant.keys.risk_officer, `/v1/alerts/${alertId}/ack`, { comment: 'Looking into it.' });
      expect(acked.status).toBe(200);
      // Neither a request without a valid key nor a read is an action.
      expect((await request(api.http).post(`/v1/alerts/${alertId}/ack`).set(as('kanshi_0123456789ab_' + 'x'.repeat(40))).send({})).status).toBe(401);
      expect((await get(tenant.keys.risk_officer, `/v1/alerts/${alertId}`)).status).toBe(200);

      const entries = await waitFor('both ack attempts in the audit log', async () => {
        const response = await get(tenant.keys.admin, '/v1/audit', { path: '/v1/alerts/:id/ack' });
        const items = (response.body as { items: AuditView[] }).items;
        return items.length >= 2 ? items : undefined;
      });

      expect(entries).toHaveLength(2);
      const target = `/v1/alerts/${alertId}/ack`;
      expect(entries[0]).toMatchObject({
        actor: `api-key:${keyIdOf(tenant.keys.risk_officer)}`,
        actor_name: 'risk_officer key',
        roles: ['risk_officer'],
        method: 'POST',
        path: '/v1/alerts/:id/ack',
        target,
        status: 200,
        user_agent: 'kanshi-e2e/1.0',
        details: { body: { comment: 'Looking into it.' } },
      });
      expect(entries[1]).toMatchObject({ actor: `api-key:${keyIdOf(tenant.keys.viewer)}`, roles: ['viewer'], path: '/v1/alerts/:id/ack', target, status: 403 });
      for (const e of entries) expect(e.ip).toMatch(/127\.0\.0\.1|::1/);
      const everything = ((await get(tenant.keys.admin, '/v1/audit', { limit: '500' })).body as { items: AuditView[] }).items;
      expect(everything.filter((e) => e.method === 'GET' || e.status === 401)).toEqual([]);
    });

    it('records key management and refusals of it, filterable by actor and method', async () => {
      const byViewer = await get(tenant.keys.admin, '/v1/audit', { actor: keyIdOf(tenant.keys.viewer) });
      expect((byViewer.body as { items: AuditView[] }).items.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(
        expect.arrayContaining(['POST /v1/keys 403', 'DELETE /v1/keys/:keyId 403', 'POST /v1/alerts/:id/ack 403', 'PATCH /v1/tenant 403']),
      );
      const deletes = ((await get(tenant.keys.admin, '/v1/audit', { method: 'DELETE', actor: `api-key:${keyIdOf(tenant.keys.admin)}` })).body as { items: AuditView[] }).items;
      expect(deletes.map((e) => e.status)).toEqual(expect.arrayContaining([200, 404, 409]));
      const created = ((await get(tenant.keys.admin, '/v1/audit', { method: 'POST', path: '/v1/keys' })).body as { items: AuditView[] }).items;
      expect(created.some((e) => e.status === 201 && (e.details['body'] as { name?: string } | undefined)?.name === 'Hanako (risk office)')).toBe(true);
    });

    it('shows a tenant only its own entries, and names a bad filter', async () => {
      const theirs = ((await get(other.keys.admin, '/v1/audit')).body as { items: AuditView[] }).items;
      expect(theirs.filter((e) => e.target.includes(alertId))).toEqual([]);
      const bad = await get(tenant.keys.admin, '/v1/audit', { since: 'yesterday' });
      expect(bad.status).toBe(400);
      expect(fields(bad)).toEqual(['since']);
    });
  });

  describe('rate limit (an api instance allowing 3 requests a minute per key)', () => {
    let limited: { app: INestApplication; http: Server; config: AppConfig };

    beforeAll(async () => {
      limited = await startApiWith({ KANSHI_RATE_LIMIT_PER_MINUTE: '3' });
    });
    afterAll(async () => {
      await limited?.app.close();
      const redis = new Redis(limited.config.values.redisUrl);
      const keys = await redis.keys(`${limited.config.values.queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('answers the 4th request of a key in a minute with 429, Retry-After and RateLimit headers; other keys and keyless requests are unaffected', async () => {
      const call = (key: string) => request(limited.http).get('/v1/me').set(as(key)).then();
      const passed = [await call(tenant.keys.viewer), await call(tenant.keys.viewer), await call(tenant.keys.viewer)];
      expect(passed.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(passed.map((r) => r.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
      expect(passed[0]?.headers['ratelimit-limit']).toBe('3');

      const refused = await call(tenant.keys.viewer);

      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      // 3 a minute: the next request is allowed 20 s later.
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(19);
      expect(retryAfter).toBeLessThanOrEqual(20);
      expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests', retry_after_seconds: retryAfter });
      expect((await call(tenant.keys.risk_officer)).status).toBe(200);
      expect((await request(limited.http).get('/v1/me')).status).toBe(401);
    });
  });

  describe('no key in clear', () => {
    it('keeps the secret of a key created through the API out of the database, the logs and the audit log', async () => {
      const { key } = await createKey(tenant.keys.admin, 'ci pipeline', ['producer']);
      expect((await get(key, '/v1/me')).status).toBe(200);
      // A key sent back in a body (a secret-named field, and any other) is redacted in the audit log.
      expect((await post(tenant.keys.admin, '/v1/keys', { name: 'copy', roles: ['viewer'], token: key })).status).toBe(400);
      expect((await patch(tenant.keys.admin, '/v1/tenant', { name: 'Sakura Bank (test)', note: `the key is ${key}` })).status).toBe(400);
      await waitFor('the redacted PATCH in the audit log', async () => {
        const items = ((await get(tenant.keys.admin, '/v1/audit', { method: 'PATCH', path: '/v1/tenant' })).body as { items: AuditView[] }).items;
        return items.some((e) => e.status === 400 && JSON.stringify(e.details).includes('(redacted)')) ? true : undefined;
      });

      expect(created.length).toBeGreaterThanOrEqual(4);
      const keyRows = await dataSource.query<{ row: string }[]>('SELECT row_to_json(k)::text AS row FROM api_keys k');
      const auditRows = await dataSource.query<{ row: string }[]>('SELECT row_to_json(a)::text AS row FROM audit_log a WHERE tenant_id = $1', [tenant.tenantId]);
      expect(auditRows.length).toBeGreaterThan(10);
      const logs = output.text();
      // The capture holds the api's own logs (its routes are logged at start-up).
      expect(logs).toContain('/v1/keys');
      const keysListing = (await get(tenant.keys.admin, '/v1/keys')).text;
      for (const secret of created.map(secretOf)) {
        expect(keyRows.filter((r) => r.row.includes(secret))).toEqual([]);
        expect(auditRows.filter((r) => r.row.includes(secret))).toEqual([]);
        expect(logs.includes(secret)).toBe(false);
        expect(keysListing.includes(secret)).toBe(false);
      }
    });
  });
});
