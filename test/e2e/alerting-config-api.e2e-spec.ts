import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import { AlertWrites, OUTBOX_CHANNEL } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  routes?: { id: string; name: string }[];
}

interface ChannelView {
  id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  enabled: boolean;
  secret_set: boolean;
  created_by: string;
}

interface RouteView {
  id: string;
  name: string;
  level: number;
  severities: string[];
  channel_ids: string[];
}

interface SilenceView {
  id: string;
  state: 'pending' | 'active' | 'expired';
  reason: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  created_by_name: string | null;
  matchers: { severities: string[]; sectors: string[]; model_ids: string[]; rule_ids: string[] };
}

interface AlertView {
  id: string;
  status: string;
  history: { action: string; actor: string; comment: string | null; details: Record<string, unknown> }[];
}

// Secrets that must never come back in any answer.
const WEBHOOK_SECRET = `whsec-${uniqueId('never-returned')}`;
const ROTATED_SECRET = `whsec-${uniqueId('rotated-never-returned')}`;
const SLACK_SECRET = `https://hooks.slack.example/services/${uniqueId('never-returned')}`;
// Nothing listens there: no test reaches outside the machine, whatever the worker does. The
// token in it is as secret as the signing key: stored sealed, shown masked.
const HOOK_TOKEN = uniqueId('hook-token-never-returned');
const HOOK_URL = `http://127.0.0.1:9/kanshi?token=${HOOK_TOKEN}`;
const HOOK_SHOWN = 'http://127.0.0.1:9/…';
const ALLOWLIST = 'KANSHI_OUTBOUND_ALLOWLIST';
const HOUR = 3600_000;

/**
 * Notification configuration through the API on the running apps: channels with write-only
 * secrets, routes, silences (applied to firing alerts at once, ended by expiry), alerting
 * settings, and the notifications of an alert; roles and tenants enforced.
 */
describe('alerting configuration through the API (real PostgreSQL, Redis, Kafka)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let other: TenantFixture;
  /** A tenant with no routes: its alerts are never sent anywhere. */
  let quiet: TenantFixture;
  const bodies: string[] = [];

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const seen = async (pending: Promise<Response>): Promise<Response> => {
    const response = await pending;
    bodies.push(response.text);
    return response;
  };
  const get = (key: string, path: string, query: Record<string, string> = {}) => seen(request(kanshi.apiHttp).get(path).query(query).set(as(key)).then());
  const post = (key: string, path: string, body: object) => seen(request(kanshi.apiHttp).post(path).set(as(key)).send(body).then());
  const patch = (key: string, path: string, body: object) => seen(request(kanshi.apiHttp).patch(path).set(as(key)).send(body).then());
  const put = (key: string, path: string, body: object) => seen(request(kanshi.apiHttp).put(path).set(as(key)).send(body).then());
  const del = (key: string, path: string) => seen(request(kanshi.apiHttp).delete(path).set(as(key)).then());
  // Distinct fields: the validator may report a field twice (missing, and not a string).
  const fields = (response: Response) => [...new Set(((response.body as Problem).errors ?? []).map((e) => e.field))];

  const seedAlert = async (tenantId: string, modelId: string): Promise<string> => {
    const result = await kanshi.api.get(AlertWrites).recordFindings(raiseAlertJob(tenantId, modelId, [findingRecord(g1Fingerprint(tenantId, modelId), 'high')]));
    return result.alertId;
  };

  beforeAll(async () => {
    // The receivers of these tests listen on 127.0.0.1; the rest of loopback stays refused.
    kanshi = await startKanshi({ KANSHI_OUTBOUND_ALLOWLIST: '127.0.0.1/32' });
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('notify'));
    other = await createTenantFixture(kanshi.dataSource, uniqueId('rival'));
    quiet = await createTenantFixture(kanshi.dataSource, uniqueId('quiet'));
  });

  afterAll(async () => {
    await kanshi?.stop();
  });

  describe('channels', () => {
    let webhook: ChannelView;

    it('creates a webhook channel with its defaults filled and answers without the secret, in every read', async () => {
      const created = await post(tenant.keys.admin, '/v1/channels', { name: 'ops-webhook', kind: 'webhook', config: { url: HOOK_URL, max_attempts: 3 }, secret: WEBHOOK_SECRET });
      expect(created.status).toBe(201);
      webhook = created.body as ChannelView;
      expect(Object.keys(webhook).sort()).toEqual(['config', 'created_at', 'created_by', 'enabled', 'id', 'kind', 'name', 'secret_set', 'updated_at']);
      expect(webhook).toMatchObject({
        name: 'ops-webhook',
        kind: 'webhook',
        enabled: true,
        secret_set: true,
        config: { url: HOOK_SHOWN, max_attempts: 3, timeout_ms: 10_000, backoff_ms: 10_000 },
        created_by: expect.stringMatching(/^api-key:[0-9a-f]{12}$/) as string,
      });

      const one = await get(tenant.keys.viewer, `/v1/channels/${webhook.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(webhook);
      const list = await get(tenant.keys.risk_officer, '/v1/channels');
      expect(list.status).toBe(200);
      expect((list.body as { items: ChannelView[] }).items).toEqual([webhook]);
      for (const body of [one.body, ...(list.body as { items: unknown[] }).items] as object[]) expect(body).not.toHaveProperty('secret');
    });

    it('takes a Slack webhook URL as the secret and an email channel without one', async () => {
      const slack = await post(tenant.keys.admin, '/v1/channels', { name: 'risk-slack', kind: 'slack', secret: SLACK_SECRET });
      expect(slack.status).toBe(201);
      expect(slack.body).toMatchObject({ kind: 'slack', secret_set: true, config: { timeout_ms: 10_000 } });
      const email = await post(tenant.keys.admin, '/v1/channels', {
        name: 'risk-mail',
        kind: 'email',
        enabled: false,
        config: { to: ['risk@bank.example'], from: 'kanshi@bank.example', host: '127.0.0.1', port: 2525 },
      });
      expect(email.status).toBe(201);
      expect(email.body).toMatchObject({ kind: 'email', enabled: false, secret_set: false, config: { port: 2525, secure: false } });
    });

    it('changes name, config and secret; the config is checked against the channel’s kind', async () => {
      const rotated = await patch(tenant.keys.admin, `/v1/channels/${webhook.id}`, { secret: ROTATED_SECRET, config: { timeout_ms: 5000 } });
      expect(rotated.status).toBe(200);
      expect(rotated.body).toMatchObject({ secret_set: true, config: { url: HOOK_SHOWN, timeout_ms: 5000, max_attempts: 3 } });

      const bad = await patch(tenant.keys.admin, `/v1/channels/${webhook.id}`, { config: { url: 'ftp://nope', to: ['x@y.example'] } });
      expect(bad.status).toBe(400);
      expect(fields(bad).sort()).toEqual(['config.to', 'config.url']);
      const kind = await patch(tenant.keys.admin, `/v1/channels/${webhook.id}`, { kind: 'email' });
      expect(fields(kind)).toEqual(['kind']);
      const noSecret = await patch(tenant.keys.admin, `/v1/channels/${webhook.id}`, { secret: null });
      expect(noSecret.status).toBe(400);
      expect(fields(noSecret)).toEqual(['secret']);
      expect((await patch(tenant.keys.admin, `/v1/channels/${webhook.id}`, { name: 'risk-slack' })).status).toBe(409);
    });

    it('stores the secrets and the webhook URL sealed: the rows hold none of them in plaintext', async () => {
      const rows = await kanshi.dataSource.query<{ row: string }[]>(`SELECT row_to_json(c)::text AS row FROM notification_channels c WHERE tenant_id = $1`, [tenant.tenantId]);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const { row } of rows) {
        for (const plaintext of [WEBHOOK_SECRET, ROTATED_SECRET, SLACK_SECRET, HOOK_TOKEN, 'hooks.slack.example']) expect(row).not.toContain(plaintext);
      }
      const [sealed] = await kanshi.dataSource.query<{ secret: string; url: string }[]>(`SELECT secret, config->>'url' AS url FROM notification_channels WHERE id = $1`, [webhook.id]);
      expect(sealed?.secret).toMatch(/^sealed:v1:[0-9a-f]{8}:/);
      expect(sealed?.url).toMatch(/^sealed:v1:[0-9a-f]{8}:/);
    });

    it('refuses destinations at internal addresses, naming the field and the allowlist setting', async () => {
      const metadata = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'webhook', config: { url: 'http://169.254.169.254/latest/meta-data/' }, secret: WEBHOOK_SECRET });
      expect(metadata.status).toBe(400);
      expect(fields(metadata)).toEqual(['config.url']);
      expect((metadata.body as Problem).detail).toContain(`refused: 169.254.169.254 is the cloud metadata address (link-local) (set ${ALLOWLIST} to allow it)`);

      const redis = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'webhook', config: { url: 'http://127.0.0.2:6379/' }, secret: WEBHOOK_SECRET });
      expect(fields(redis)).toEqual(['config.url']);
      expect((redis.body as Problem).detail).toContain('127.0.0.2 is a loopback address');
      const mapped = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'webhook', config: { url: 'http://[::ffff:10.0.0.7]:9092/' }, secret: WEBHOOK_SECRET });
      expect(fields(mapped)).toEqual(['config.url']);
      const mail = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'email', config: { to: ['risk@bank.example'], from: 'kanshi@bank.example', host: '192.168.10.25' } });
      expect(fields(mail)).toEqual(['config.host']);
      expect((mail.body as Problem).detail).toContain(ALLOWLIST);
      const slackToken = uniqueId('slack-token');
      const slack = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'slack', secret: `http://[fd00::1]/services/T0/B0/${slackToken}` });
      expect(fields(slack)).toEqual(['secret']);
      expect(slack.text).not.toContain(slackToken);

      const moved = await patch(tenant.keys.admin, `/v1/channels/${webhook.id}`, { config: { url: 'http://100.64.0.1/hook' } });
      expect(moved.status).toBe(400);
      expect(fields(moved)).toEqual(['config.url']);
      expect((moved.body as Problem).detail).toContain('a carrier-grade NAT address');
      expect(((await get(tenant.keys.admin, '/v1/channels')).body as { items: ChannelView[] }).items.map((c) => c.name).sort()).toEqual(['ops-webhook', 'risk-mail', 'risk-slack']);
    });

    it('caps the recipients of an email channel, naming the field and the setting', async () => {
      const to = Array.from({ length: 51 }, (_, i) => `officer-${i}@bank.example`);
      const tooMany = await post(tenant.keys.admin, '/v1/channels', { name: 'many', kind: 'email', config: { to, from: 'kanshi@bank.example', host: 'smtp.bank.example' } });
      expect(tooMany.status).toBe(400);
      expect(fields(tooMany)).toEqual(['config.to']);
      expect((tooMany.body as Problem).detail).toContain('KANSHI_QUOTA_CHANNEL_RECIPIENTS');
      const enough = await post(tenant.keys.admin, '/v1/channels', { name: 'many', kind: 'email', enabled: false, config: { to: to.slice(0, 50), from: 'kanshi@bank.example', host: 'smtp.bank.example' } });
      expect(enough.status).toBe(201);
      const grown = await patch(tenant.keys.admin, `/v1/channels/${(enough.body as ChannelView).id}`, { config: { to } });
      expect(fields(grown)).toEqual(['config.to']);
      expect((await del(tenant.keys.admin, `/v1/channels/${(enough.body as ChannelView).id}`)).status).toBe(204);
    });

    it('refuses bad channels with the field named, and a duplicate name with 409', async () => {
      const noUrl = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'webhook', config: {}, secret: WEBHOOK_SECRET });
      expect(noUrl.status).toBe(400);
      expect(noUrl.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(fields(noUrl)).toEqual(['config.url']);

      const shortSecret = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'webhook', config: { url: HOOK_URL }, secret: 'too-short' });
      expect(fields(shortSecret)).toEqual(['secret']);
      const missingSecret = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'webhook', config: { url: HOOK_URL } });
      expect(fields(missingSecret)).toEqual(['secret']);
      expect((missingSecret.body as Problem).detail).toMatch(/required for webhook channels/);
      const slackNotUrl = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'slack', secret: 'not a url at all' });
      expect(fields(slackNotUrl)).toEqual(['secret']);
      const badEmail = await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'email', config: { to: ['nobody'], from: 'kanshi@bank.example', host: 'smtp' } });
      expect(fields(badEmail)).toEqual(['config.to.0']);
      expect(fields(await post(tenant.keys.admin, '/v1/channels', { name: 'x', kind: 'pager', config: {} }))).toContain('kind');

      const duplicate = await post(tenant.keys.admin, '/v1/channels', { name: 'ops-webhook', kind: 'webhook', config: { url: HOOK_URL }, secret: WEBHOOK_SECRET });
      expect(duplicate.status).toBe(409);
      expect((duplicate.body as Problem).detail).toMatch(/ops-webhook/);
    });

    it('lets only admins write, keeps producers out, and hides another tenant’s channels', async () => {
      const body = { name: 'viewer-made', kind: 'slack', secret: SLACK_SECRET };
      expect((await post(tenant.keys.viewer, '/v1/channels', body)).status).toBe(403);
      expect((await post(tenant.keys.risk_officer, '/v1/channels', body)).status).toBe(403);
      expect((await get(tenant.keys.producer, '/v1/channels')).status).toBe(403);
      expect((await patch(tenant.keys.risk_officer, `/v1/channels/${webhook.id}`, { enabled: false })).status).toBe(403);
      expect((await del(tenant.keys.viewer, `/v1/channels/${webhook.id}`)).status).toBe(403);

      expect((await get(other.keys.admin, `/v1/channels/${webhook.id}`)).status).toBe(404);
      expect((await patch(other.keys.admin, `/v1/channels/${webhook.id}`, { enabled: false })).status).toBe(404);
      expect((await del(other.keys.admin, `/v1/channels/${webhook.id}`)).status).toBe(404);
      expect((await get(other.keys.admin, '/v1/channels')).body).toEqual({ items: [] });
      expect((await get(tenant.keys.admin, '/v1/channels/not-an-id')).status).toBe(404);
    });
  });

  describe('routes', () => {
    let channelId: string;
    let route: RouteView;

    beforeAll(async () => {
      const created = await post(tenant.keys.admin, '/v1/channels', { name: 'route-target', kind: 'webhook', config: { url: HOOK_URL }, secret: WEBHOOK_SECRET });
      channelId = (created.body as ChannelView).id;
    });

    it('creates a route with defaults and reads it by role', async () => {
      const created = await post(tenant.keys.admin, '/v1/routes', { name: 'critical-finance', severities: ['critical'], sectors: ['finance'], channel_ids: [channelId] });
      expect(created.status).toBe(201);
      route = created.body as RouteView;
      expect(route).toMatchObject({ name: 'critical-finance', level: 0, severities: ['critical'], sectors: ['finance'], model_ids: [], rule_ids: [], channel_ids: [channelId] });
      expect((await get(tenant.keys.viewer, `/v1/routes/${route.id}`)).body).toEqual(route);
      expect((await get(tenant.keys.risk_officer, '/v1/routes')).body).toEqual({ items: [route] });
      expect((await get(tenant.keys.producer, '/v1/routes')).status).toBe(403);
      expect((await post(tenant.keys.viewer, '/v1/routes', { name: 'v', channel_ids: [channelId] })).status).toBe(403);
    });

    it('names the bad field: another tenant’s or unknown channel, severities, sectors, an empty channel list', async () => {
      const theirs = await post(other.keys.admin, '/v1/channels', { name: 'theirs', kind: 'slack', secret: SLACK_SECRET });
      const theirId = (theirs.body as ChannelView).id;
      const foreign = await post(tenant.keys.admin, '/v1/routes', { name: 'r', channel_ids: [channelId, theirId, '00000000-0000-4000-8000-000000000000'] });
      expect(foreign.status).toBe(400);
      expect(fields(foreign)).toEqual(['channel_ids.1', 'channel_ids.2']);

      const malformed = await post(tenant.keys.admin, '/v1/routes', { name: 'r', channel_ids: ['nope'] });
      expect(fields(malformed)).toEqual(['channel_ids.0']);
      expect(fields(await post(tenant.keys.admin, '/v1/routes', { name: 'r', channel_ids: [] }))).toEqual(['channel_ids']);
      const badMatchers = await post(tenant.keys.admin, '/v1/routes', { name: 'r', severities: ['urgent'], sectors: ['retail'], level: 11, channel_ids: [channelId] });
      expect(fields(badMatchers).sort()).toEqual(['level', 'sectors.0', 'severities.0']);
      expect((badMatchers.body as Problem).detail).toMatch(/low\|medium\|high\|critical/);
      expect((await post(tenant.keys.admin, '/v1/routes', { name: 'critical-finance', channel_ids: [channelId] })).status).toBe(409);
    });

    it('keeps a channel a route uses, naming the route; deleting the route frees it', async () => {
      const inUse = await del(tenant.keys.admin, `/v1/channels/${channelId}`);
      expect(inUse.status).toBe(409);
      expect((inUse.body as Problem).detail).toMatch(/critical-finance/);
      expect((inUse.body as Problem).routes).toEqual([{ id: route.id, name: 'critical-finance' }]);

      const changed = await patch(tenant.keys.admin, `/v1/routes/${route.id}`, { level: 1, severities: [] });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ level: 1, severities: [], sectors: ['finance'], channel_ids: [channelId] });

      expect((await get(other.keys.admin, `/v1/routes/${route.id}`)).status).toBe(404);
      expect((await patch(other.keys.admin, `/v1/routes/${route.id}`, { level: 0 })).status).toBe(404);
      expect((await del(other.keys.admin, `/v1/routes/${route.id}`)).status).toBe(404);

      expect((await del(tenant.keys.admin, `/v1/routes/${route.id}`)).status).toBe(204);
      expect((await get(tenant.keys.admin, `/v1/routes/${route.id}`)).status).toBe(404);
      expect((await del(tenant.keys.admin, `/v1/channels/${channelId}`)).status).toBe(204);
      expect((await get(tenant.keys.admin, `/v1/channels/${channelId}`)).status).toBe(404);
      const reuse = await post(tenant.keys.admin, '/v1/routes', { name: 'after-delete', channel_ids: [channelId] });
      expect(fields(reuse)).toEqual(['channel_ids.0']);
    });
  });

  describe('silences', () => {
    let alertId: string;
    let silence: SilenceView;
    const model = 'credit-scorer';
    const inOneHour = () => new Date(Date.now() + HOUR).toISOString();

    beforeAll(async () => {
      alertId = await seedAlert(quiet.tenantId, model);
    });

    it('silences a firing alert it matches at once, with the silence in the alert’s history', async () => {
      const created = await post(quiet.keys.risk_officer, '/v1/silences', { matchers: { model_ids: [model] }, reason: 'Retraining window, approved by the risk committee.', ends_at: inOneHour() });
      expect(created.status).toBe(201);
      silence = created.body as SilenceView;
      expect(silence).toMatchObject({
        state: 'active',
        matchers: { severities: [], sectors: [], model_ids: [model], rule_ids: [] },
        created_by: expect.stringMatching(/^api-key:[0-9a-f]{12}$/) as string,
        created_by_name: 'risk_officer key',
      });

      const listed = await get(quiet.keys.viewer, '/v1/silences');
      expect(listed.status).toBe(200);
      expect((listed.body as { items: SilenceView[] }).items).toEqual([silence]);

      const alert = (await get(quiet.keys.viewer, `/v1/alerts/${alertId}`)).body as AlertView;
      expect(alert.status).toBe('silenced');
      expect(alert.history.at(-1)).toMatchObject({ action: 'silenced', actor: 'kanshi', comment: silence.reason, details: { silence_id: silence.id } });
    });

    it('refuses a silence of everything and an end that is past, before the start or too far, naming the field', async () => {
      const everything = await post(quiet.keys.admin, '/v1/silences', { matchers: { severities: [] }, reason: 'all', ends_at: inOneHour() });
      expect(everything.status).toBe(400);
      expect(fields(everything)).toEqual(['matchers']);
      expect((everything.body as Problem).detail).toMatch(/silence of everything is refused/);

      const body = { matchers: { sectors: ['finance'] }, reason: 'r' };
      expect(fields(await post(quiet.keys.admin, '/v1/silences', { ...body, ends_at: new Date(Date.now() - 1000).toISOString() }))).toEqual(['ends_at']);
      expect(fields(await post(quiet.keys.admin, '/v1/silences', { ...body, ends_at: new Date(Date.now() + 91 * 24 * HOUR).toISOString() }))).toEqual(['ends_at']);
      expect(fields(await post(quiet.keys.admin, '/v1/silences', { ...body, starts_at: new Date(Date.now() + 2 * HOUR).toISOString(), ends_at: inOneHour() }))).toEqual(['ends_at']);
      expect(fields(await post(quiet.keys.admin, '/v1/silences', { ...body, ends_at: 'tomorrow' }))).toEqual(['ends_at']);
      const blink = await post(quiet.keys.admin, '/v1/silences', { ...body, ends_at: new Date(Date.now() + 30_000).toISOString() });
      expect(fields(blink)).toEqual(['ends_at']);
      expect((blink.body as Problem).detail).toMatch(/at least 1m after starts_at/);
      expect(fields(await post(quiet.keys.admin, '/v1/silences', { matchers: { sectors: ['finance'] }, ends_at: inOneHour() }))).toEqual(['reason']);
      expect(fields(await post(quiet.keys.admin, '/v1/silences', { ...body, matchers: { severities: ['urgent'] }, ends_at: inOneHour() }))).toEqual(['matchers.severities.0']);
    });

    it('lets admins and risk officers write, viewers read, and hides another tenant’s silences', async () => {
      const body = { matchers: { sectors: ['finance'] }, reason: 'r', ends_at: inOneHour() };
      expect((await post(quiet.keys.viewer, '/v1/silences', body)).status).toBe(403);
      expect((await get(quiet.keys.producer, '/v1/silences')).status).toBe(403);
      expect((await get(quiet.keys.viewer, `/v1/silences/${silence.id}`)).body).toEqual(silence);
      expect((await get(other.keys.admin, `/v1/silences/${silence.id}`)).status).toBe(404);
      expect((await patch(other.keys.admin, `/v1/silences/${silence.id}`, { reason: 'mine now' })).status).toBe(404);
      expect((await del(other.keys.admin, `/v1/silences/${silence.id}`)).status).toBe(404);
      expect((await get(other.keys.admin, '/v1/silences', { state: 'all' })).body).toEqual({ items: [], next_cursor: null });
    });

    it('keeps a pending silence apart from active ones and lets its end and reason change', async () => {
      const later = await post(quiet.keys.admin, '/v1/silences', {
        matchers: { rule_ids: ['F3'] },
        reason: 'Planned migration.',
        starts_at: new Date(Date.now() + HOUR).toISOString(),
        ends_at: new Date(Date.now() + 2 * HOUR).toISOString(),
      });
      expect(later.body).toMatchObject({ state: 'pending' });
      const pending = later.body as SilenceView;
      expect(((await get(quiet.keys.viewer, '/v1/silences', { state: 'pending' })).body as { items: SilenceView[] }).items.map((s) => s.id)).toEqual([pending.id]);
      expect(((await get(quiet.keys.viewer, '/v1/silences', { state: 'active' })).body as { items: SilenceView[] }).items.map((s) => s.id)).toEqual([silence.id]);

      const newEnd = new Date(Date.now() + 3 * HOUR).toISOString();
      const moved = await patch(quiet.keys.risk_officer, `/v1/silences/${pending.id}`, { ends_at: newEnd, reason: 'Planned migration, extended.' });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ ends_at: newEnd, reason: 'Planned migration, extended.', state: 'pending' });
      expect(fields(await patch(quiet.keys.risk_officer, `/v1/silences/${pending.id}`, { ends_at: new Date(Date.now() + 30 * 60_000).toISOString() }))).toEqual(['ends_at']);
      expect((await get(quiet.keys.viewer, '/v1/silences', { state: 'sometimes' })).status).toBe(400);
    });

    it('ends a silence on DELETE: expired, still listed with state=all, its alert firing again', async () => {
      const ended = await del(quiet.keys.risk_officer, `/v1/silences/${silence.id}`);
      expect(ended.status).toBe(200);
      expect(ended.body).toMatchObject({ id: silence.id, state: 'expired', reason: silence.reason });
      expect((await del(quiet.keys.risk_officer, `/v1/silences/${silence.id}`)).status).toBe(409);
      expect((await patch(quiet.keys.risk_officer, `/v1/silences/${silence.id}`, { reason: 'too late' })).status).toBe(409);

      const current = (await get(quiet.keys.viewer, '/v1/silences')).body as { items: SilenceView[] };
      expect(current.items.map((s) => s.id)).not.toContain(silence.id);
      const all = (await get(quiet.keys.viewer, '/v1/silences', { state: 'all' })).body as { items: SilenceView[] };
      expect(all.items.find((s) => s.id === silence.id)).toMatchObject({ state: 'expired' });
      const expired = (await get(quiet.keys.viewer, '/v1/silences', { state: 'expired' })).body as { items: SilenceView[] };
      expect(expired.items.map((s) => s.id)).toEqual([silence.id]);

      // The worker's silence-end job hands the alert back to firing.
      const alert = await waitFor('the alert to fire again', async () => {
        const a = (await get(quiet.keys.viewer, `/v1/alerts/${alertId}`)).body as AlertView;
        return a.status === 'firing' ? a : undefined;
      });
      expect(alert.history.at(-1)).toMatchObject({ action: 'unsilenced' });
    });
  });

  describe('alerting settings', () => {
    it('shows the defaults, and a change of one severity’s group wait keeps everything else', async () => {
      const defaults = await get(tenant.keys.viewer, '/v1/alerting/settings');
      expect(defaults.status).toBe(200);
      const before = defaults.body as { severities: Record<string, Record<string, unknown>>; max_escalation_level: number };
      expect(before.severities['high']).toEqual({ group_wait: '30s', repeat_interval: '4h', ack_sla: '1h' });
      expect(before.severities['critical']).toEqual({ group_wait: '10s', repeat_interval: '1h', ack_sla: '15m' });

      const changed = await put(tenant.keys.admin, '/v1/alerting/settings', { severities: { high: { group_wait: '2m' } } });
      expect(changed.status).toBe(200);
      const expected = { ...before, severities: { ...before.severities, high: { ...before.severities['high'], group_wait: '2m' } } };
      expect(changed.body).toEqual(expected);
      expect((await get(tenant.keys.risk_officer, '/v1/alerting/settings')).body).toEqual(expected);
      // A second change builds on the first.
      const again = await put(tenant.keys.admin, '/v1/alerting/settings', { max_escalation_level: 3 });
      expect(again.body).toEqual({ ...expected, max_escalation_level: 3 });
      expect((await get(other.keys.viewer, '/v1/alerting/settings')).body).toEqual(before);
    });

    it('refuses bad values with the field named, and callers without the role', async () => {
      const bad = await put(tenant.keys.admin, '/v1/alerting/settings', { severities: { high: { group_wait: 'soon' } } });
      expect(bad.status).toBe(400);
      expect(fields(bad)).toEqual(['severities.high.group_wait']);
      // 0ms would notify the same alerts for ever.
      const loop = await put(tenant.keys.admin, '/v1/alerting/settings', { severities: { high: { repeat_interval: '0ms' } }, clock_reminders: ['1d', '5s'] });
      expect(loop.status).toBe(400);
      expect(fields(loop)).toEqual(['severities.high.repeat_interval', 'clock_reminders.1']);
      expect((loop.body as Problem).detail).toContain('severities.high.repeat_interval: must be at least 1m (got 0ms)');
      expect(((await get(tenant.keys.admin, '/v1/alerting/settings')).body as { severities: Record<string, Record<string, unknown>> }).severities['high']?.['repeat_interval']).toBe('4h');
      expect((await put(tenant.keys.risk_officer, '/v1/alerting/settings', { max_escalation_level: 1 })).status).toBe(403);
      expect((await get(tenant.keys.producer, '/v1/alerting/settings')).status).toBe(403);
    });
  });

  describe('notifications of an alert', () => {
    it('lists none for a fresh alert, and hides another tenant’s alert', async () => {
      const alertId = await seedAlert(quiet.tenantId, 'fresh-model');
      const response = await get(quiet.keys.viewer, `/v1/alerts/${alertId}/notifications`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [] });
      expect((await get(other.keys.viewer, `/v1/alerts/${alertId}/notifications`)).status).toBe(404);
      expect((await get(quiet.keys.viewer, '/v1/alerts/not-an-id/notifications')).status).toBe(404);
      expect((await get(quiet.keys.producer, `/v1/alerts/${alertId}/notifications`)).status).toBe(403);
    });
  });

  describe('what a delivery shows', () => {
    let receiver: HttpServer;
    let service: TcpServer;
    let serviceConnections = 0;

    beforeAll(async () => {
      // A receiver on 127.0.0.1 (allowlisted) that answers 502 with words of its own, and a
      // service on 127.0.0.2 (refused) standing in for Redis.
      receiver = createHttpServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(502, 'Redis Says Hello').end('-ERR unknown command, redis_version:7.2.4 requirepass leaked-bytes'));
      });
      service = createTcpServer((socket) => {
        serviceConnections += 1;
        socket.end('-ERR\r\n');
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.2', resolve));
    });

    afterAll(async () => {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await new Promise<void>((resolve) => service.close(() => resolve()));
    });

    it('gives the notifications API a status line only: never a byte of the answer, and a refusal for an internal service it never connects to', async () => {
      const loud = await createTenantFixture(kanshi.dataSource, uniqueId('loud'));
      expect((await put(loud.keys.admin, '/v1/alerting/settings', { severities: { high: { group_wait: '1s', ack_sla: null } } })).status).toBe(200);
      const answering = await post(loud.keys.admin, '/v1/channels', {
        name: 'answering',
        kind: 'webhook',
        config: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, max_attempts: 1 },
        secret: WEBHOOK_SECRET,
      });
      expect(answering.status).toBe(201);
      // The API refuses this destination; a row from before this release, or a name that resolves there now, still may point at it.
      const internalUrl = `http://127.0.0.2:${(service.address() as AddressInfo).port}/`;
      const [internal] = await kanshi.dataSource.query<{ id: string }[]>(
        `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, 'internal', 'webhook', $2, $3, 'test') RETURNING id`,
        [loud.tenantId, JSON.stringify({ url: internalUrl, timeout_ms: 5000, max_attempts: 3, backoff_ms: 1000 }), WEBHOOK_SECRET],
      );
      const route = await post(loud.keys.admin, '/v1/routes', { name: 'all', channel_ids: [(answering.body as ChannelView).id, internal?.id] });
      expect(route.status).toBe(201);

      const alertId = await seedAlert(loud.tenantId, 'credit-scorer');
      // As a change of the alert does: an outbox entry, announced, for the worker to schedule its notification.
      await kanshi.dataSource.query(`INSERT INTO alert_outbox (tenant_id, kind, subject_id) VALUES ($1, 'alert', $2)`, [loud.tenantId, alertId]);
      await kanshi.dataSource.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
      type NotificationView = { channel: { name: string }; status: string; last_error: string | null; attempts: { http_status: number | null; error: string | null }[] };
      const items = await waitFor('both notifications to fail', async () => {
        const response = await get(loud.keys.viewer, `/v1/alerts/${alertId}/notifications`);
        const found = (response.body as { items: NotificationView[] }).items;
        return found.length === 2 && found.every((n) => n.status === 'failed') ? found : undefined;
      });

      const byName = new Map(items.map((n) => [n.channel.name, n]));
      expect(byName.get('answering')).toMatchObject({ last_error: 'HTTP 502 Bad Gateway', attempts: [{ http_status: 502, error: 'HTTP 502 Bad Gateway' }] });
      const refusal = `refused: 127.0.0.2 is a loopback address (set ${ALLOWLIST} to allow it)`;
      expect(byName.get('internal')).toMatchObject({ last_error: refusal, attempts: [{ http_status: null, error: refusal }] });
      expect(JSON.stringify(items)).not.toMatch(/ERR|redis_version|leaked-bytes|Redis Says Hello/);
      expect(serviceConnections).toBe(0);
    });
  });

  it('never sent a channel secret or a URL’s token back, in any answer', () => {
    expect(bodies.length).toBeGreaterThan(50);
    for (const body of bodies) {
      for (const secret of [WEBHOOK_SECRET, ROTATED_SECRET, SLACK_SECRET, HOOK_TOKEN]) expect(body).not.toContain(secret);
    }
  });

  it('kept every channel secret and URL token out of the audit log', async () => {
    const audit = await get(tenant.keys.admin, '/v1/audit', { path: '/v1/channels', limit: '200' });
    expect(audit.status).toBe(200);
    const entries = (audit.body as { items: { details: unknown }[] }).items;
    expect(entries.length).toBeGreaterThan(5);
    const text = JSON.stringify(entries);
    for (const secret of [WEBHOOK_SECRET, ROTATED_SECRET, SLACK_SECRET, HOOK_TOKEN]) expect(text).not.toContain(secret);
    expect(text).toContain(HOOK_SHOWN);
  });
});
