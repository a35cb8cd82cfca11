import { randomBytes } from 'node:crypto';
import { loadConfig } from '@kanshi/config';
import { SecretBox, secretsKeyId } from '@kanshi/secrets';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { ChannelRepository, NameTakenError, type NewChannel } from './channel.repository';
import { NotificationRepository } from './notification.repository';
import { RouteRepository } from './route.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const key = randomBytes(32);
const box = new SecretBox(key);
const channels = new ChannelRepository(dataSource, box);
const routes = new RouteRepository(dataSource);

const SECRET = 'whsec-0123456789abcdef-do-not-leak';
const webhook = (name: string, secret: string | null = SECRET): NewChannel => ({
  name,
  kind: 'webhook',
  config: { url: 'https://hooks.example/kanshi', timeout_ms: 10_000, max_attempts: 8, backoff_ms: 10_000 },
  secret,
  enabled: true,
  createdBy: 'api-key:0123456789ab',
});

async function storedSecret(id: string): Promise<string | null | undefined> {
  const [row] = await dataSource.query<{ secret: string | null }[]>('SELECT secret FROM notification_channels WHERE id = $1', [id]);
  return row?.secret;
}

/** The whole stored row as text, as anyone reading the table (or a dump of it) sees it. */
async function storedRow(id: string): Promise<string> {
  const [row] = await dataSource.query<{ row: string }[]>('SELECT row_to_json(c)::text AS row FROM notification_channels c WHERE id = $1', [id]);
  return row?.row ?? '';
}

/** The channel as the worker gets it to send: through a notification to it. */
async function deliveryChannel(tenantId: string, channelId: string, secrets: SecretBox = box) {
  const [notification] = await dataSource.query<{ id: string }[]>(
    `INSERT INTO notifications (tenant_id, channel_id, kind, status) VALUES ($1, $2, 'firing', 'pending') RETURNING id`,
    [tenantId, channelId],
  );
  const target = await new NotificationRepository(dataSource, secrets).deliveryTarget(notification?.id ?? '');
  if (!target) throw new Error('no delivery target');
  return target.channel;
}

/** A channel row as a release before sealing stored it: secret and URL in plaintext. */
async function legacyChannel(tenantId: string, name: string, url: string, secret: string): Promise<string> {
  const [row] = await dataSource.query<{ id: string }[]>(
    `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, $2, 'webhook', $3, $4, 'test') RETURNING id`,
    [tenantId, name, JSON.stringify({ url, timeout_ms: 10_000, max_attempts: 8, backoff_ms: 10_000 }), secret],
  );
  return row?.id ?? '';
}

const TOKEN_URL = 'https://hooks.example/kanshi/T0K3N-in-the-path?sig=QU3RY-t0k3n';

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('ChannelRepository (real PostgreSQL)', () => {
  let tenantId: string;
  let otherTenantId: string;

  beforeEach(async () => {
    tenantId = uniqueId('t');
    otherTenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
    await createTenantFixture(dataSource, otherTenantId);
  });

  it('stores the secret but never reads it back: records say only whether one is set', async () => {
    const created = await channels.create(tenantId, webhook('ops'));
    const read = [created, await channels.get(tenantId, created.id), ...(await channels.list(tenantId))];

    expect(created).toMatchObject({ tenantId, name: 'ops', kind: 'webhook', enabled: true, secretSet: true, createdBy: 'api-key:0123456789ab' });
    for (const record of read) {
      expect(record).not.toHaveProperty('secret');
      expect(JSON.stringify(record)).not.toContain(SECRET);
    }
    expect(await storedSecret(created.id)).toMatch(/^sealed:v1:/);
    expect((await channels.create(tenantId, { ...webhook('mail', null), kind: 'email' })).secretSet).toBe(false);
  });

  it('reads the targets of many notifications at once, and records their attempts in one statement, an odd error text made storable', async () => {
    const created = await channels.create(tenantId, webhook('batch'));
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const [row] = await dataSource.query<{ id: string }[]>(`INSERT INTO notifications (tenant_id, channel_id, kind, status) VALUES ($1, $2, 'firing', 'pending') RETURNING id`, [tenantId, created.id]);
      ids.push(row?.id ?? '');
    }
    const store = new NotificationRepository(dataSource, box);
    const targets = await store.deliveryTargets([ids[2] ?? '', 'not-a-uuid', ids[0] ?? '', '00000000-0000-4000-8000-000000000000']);
    expect(targets.map((t) => t?.notification.id ?? null)).toEqual([ids[2], null, ids[0], null]);
    expect(targets[0]?.channel).toMatchObject({ id: created.id, secret: SECRET, usable: true });

    const outcome = (ok: boolean, error: string | null) => ({ ok, httpStatus: ok ? 200 : null, error, durationMs: 3 });
    await store.recordAttempts([
      { notificationId: ids[0] ?? '', tenantId, attempt: 1, outcome: outcome(true, null), final: false },
      { notificationId: ids[1] ?? '', tenantId, attempt: 2, outcome: outcome(false, 'socket said \u0000 and \ud800'), final: true },
      { notificationId: ids[2] ?? '', tenantId, attempt: 1, outcome: outcome(false, 'refused'), final: false },
      // The first two end their notifications; a retried attempt of the third ends it too, so no
      // pending notification is left for a worker's recovery at boot.
    ]);
    const rows = await dataSource.query<{ id: string; status: string; attempts: number; last_error: string | null }[]>(
      `SELECT id, status, attempts, last_error FROM notifications WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(ids.map((id) => byId.get(id))).toEqual([
      { id: ids[0], status: 'delivered', attempts: 1, last_error: null },
      { id: ids[1], status: 'failed', attempts: 2, last_error: 'socket said  and \ufffd' },
      { id: ids[2], status: 'pending', attempts: 1, last_error: 'refused' },
    ]);
    await store.recordAttempts([{ notificationId: ids[2] ?? '', tenantId, attempt: 2, outcome: outcome(false, 'refused again'), final: true }]);
    expect((await store.deliveryTarget(ids[2] ?? ''))?.notification).toMatchObject({ status: 'failed', attempts: 2, lastError: 'refused again' });
    const [{ n } = { n: 0 }] = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM delivery_attempts WHERE notification_id = ANY($1::uuid[])`, [ids]);
    expect(n).toBe(4);
  });

  it('seals the secret and the URL at rest: the stored row holds neither in plaintext, the sender gets both', async () => {
    const created = await channels.create(tenantId, { ...webhook('ops'), config: { ...webhook('ops').config, url: TOKEN_URL } });

    const row = await storedRow(created.id);
    for (const plaintext of [SECRET, 'T0K3N-in-the-path', 'QU3RY-t0k3n', 'hooks.example']) expect(row).not.toContain(plaintext);
    expect(row.match(new RegExp(`sealed:v1:${secretsKeyId(key)}:`, 'g'))).toHaveLength(2);
    const [columns] = await dataSource.query<{ secret: string; url: string }[]>(`SELECT secret, config->>'url' AS url FROM notification_channels WHERE id = $1`, [created.id]);
    expect(box.isSealed(columns?.secret ?? '')).toBe(true);
    expect(box.isSealed(columns?.url ?? '')).toBe(true);

    expect(created.config['url']).toBe('https://hooks.example/…');
    expect(await deliveryChannel(tenantId, created.id)).toMatchObject({ secret: SECRET, config: { url: TOKEN_URL }, sealError: null });
  });

  it('does not open a sealed value copied to another row, nor a secret copied into the URL field', async () => {
    const a = await channels.create(tenantId, webhook('a'));
    const b = await channels.create(tenantId, webhook('b'));
    await dataSource.query(`UPDATE notification_channels SET secret = (SELECT secret FROM notification_channels WHERE id = $1) WHERE id = $2`, [a.id, b.id]);
    await dataSource.query(`UPDATE notification_channels SET config = jsonb_set(config, '{url}', to_jsonb(secret)) WHERE id = $1`, [a.id]);

    for (const id of [a.id, b.id]) {
      const channel = await deliveryChannel(tenantId, id);
      expect(channel.secret).toBeNull();
      expect(channel.sealError).toMatch(/does not open: it was altered, or copied from another row or field/);
      expect(channel.sealError).not.toContain(SECRET);
    }
  });

  it('keeps the stored URL when the masked one comes back, and seals a new one', async () => {
    const created = await channels.create(tenantId, { ...webhook('ops'), config: { ...webhook('ops').config, url: TOKEN_URL } });
    const sealedUrl = async () => (await dataSource.query<{ url: string }[]>(`SELECT config->>'url' AS url FROM notification_channels WHERE id = $1`, [created.id]))[0]?.url;
    const before = await sealedUrl();

    const same = await channels.update(tenantId, created.id, { config: { ...created.config, timeout_ms: 5000 } });
    expect(same?.config).toMatchObject({ url: 'https://hooks.example/…', timeout_ms: 5000 });
    expect(await sealedUrl()).toBe(before);
    expect((await deliveryChannel(tenantId, created.id)).config['url']).toBe(TOKEN_URL);

    await channels.update(tenantId, created.id, { config: { ...created.config, url: 'https://other.example/new-t0k3n' } });
    expect(await storedRow(created.id)).not.toContain('new-t0k3n');
    expect((await deliveryChannel(tenantId, created.id)).config['url']).toBe('https://other.example/new-t0k3n');
  });

  it('uses rows stored in plaintext before sealing existed; reseal seals them, and reseals them under a new key', async () => {
    const id = await legacyChannel(tenantId, 'legacy', TOKEN_URL, SECRET);
    await channels.create(otherTenantId, webhook('not-mine'));

    expect((await channels.get(tenantId, id))?.config['url']).toBe('https://hooks.example/…');
    expect(await deliveryChannel(tenantId, id)).toMatchObject({ secret: SECRET, config: { url: TOKEN_URL }, sealError: null });

    expect(await channels.reseal({ tenantId })).toEqual({ table: 'notification_channels', sealed: 2, resealed: 0, current: 0, failed: [] });
    const sealedRow = await storedRow(id);
    for (const plaintext of [SECRET, 'T0K3N-in-the-path', 'QU3RY-t0k3n']) expect(sealedRow).not.toContain(plaintext);
    expect(await deliveryChannel(tenantId, id)).toMatchObject({ secret: SECRET, config: { url: TOKEN_URL } });
    expect(await channels.reseal({ tenantId })).toMatchObject({ sealed: 0, resealed: 0, current: 2 });

    // Rotation: the new key seals, the old one only opens, until reseal; then the old key can go.
    const newKey = randomBytes(32);
    const rotated = new ChannelRepository(dataSource, new SecretBox(newKey, [key]));
    expect(await rotated.reseal({ tenantId })).toMatchObject({ sealed: 0, resealed: 2, current: 0, failed: [] });
    expect(await storedRow(id)).toContain(`sealed:v1:${secretsKeyId(newKey)}:`);
    expect(await storedRow(id)).not.toContain(`sealed:v1:${secretsKeyId(key)}:`);
    expect(await deliveryChannel(tenantId, id, new SecretBox(newKey))).toMatchObject({ secret: SECRET, config: { url: TOKEN_URL }, sealError: null });
  });

  it('reports values sealed with a key it does not hold, by key id, and leaves them as they are', async () => {
    const created = await channels.create(tenantId, webhook('ops'));
    const before = await storedRow(created.id);
    const stranger = new ChannelRepository(dataSource, new SecretBox(randomBytes(32)));

    const report = await stranger.reseal({ tenantId });

    expect(report.failed).toHaveLength(2);
    for (const failure of report.failed) {
      expect(failure.id).toBe(created.id);
      expect(failure.error).toContain(`sealed with key ${secretsKeyId(key)}`);
      expect(failure.error).toContain('KANSHI_SECRETS_PREVIOUS_KEYS');
      expect(failure.error).not.toContain(SECRET);
    }
    expect(await storedRow(created.id)).toBe(before);
    expect((await stranger.get(tenantId, created.id))?.config['url']).toMatch(/^\(sealed with key [0-9a-f]{8}, which does not open here/);
  });

  it('keeps names unique among the live channels of a tenant, and frees a deleted channel’s name', async () => {
    const first = await channels.create(tenantId, webhook('ops'));
    await expect(channels.create(tenantId, webhook('ops'))).rejects.toBeInstanceOf(NameTakenError);
    await expect(channels.create(otherTenantId, webhook('ops'))).resolves.toMatchObject({ tenantId: otherTenantId });

    expect(await channels.softDelete(tenantId, first.id)).toEqual({ outcome: 'deleted' });
    const again = await channels.create(tenantId, webhook('ops'));
    expect(again.id).not.toBe(first.id);
    expect((await channels.list(tenantId)).map((c) => c.id)).toEqual([again.id]);
    // The deleted row stays, for the notifications that name it.
    const [row] = await dataSource.query<{ deleted_at: Date | null }[]>('SELECT deleted_at FROM notification_channels WHERE id = $1', [first.id]);
    expect(row?.deleted_at).toBeInstanceOf(Date);
  });

  it('treats another tenant’s, a deleted and a malformed id as absent', async () => {
    const mine = await channels.create(tenantId, webhook('ops'));
    const gone = await channels.create(tenantId, webhook('gone'));
    await channels.softDelete(tenantId, gone.id);

    expect(await channels.get(otherTenantId, mine.id)).toBeNull();
    expect(await channels.get(tenantId, gone.id)).toBeNull();
    expect(await channels.get(tenantId, 'not-a-uuid')).toBeNull();
    expect(await channels.update(otherTenantId, mine.id, { enabled: false })).toBeNull();
    expect(await channels.update(tenantId, gone.id, { enabled: false })).toBeNull();
    expect(await channels.softDelete(otherTenantId, mine.id)).toEqual({ outcome: 'not-found' });
    expect(await channels.softDelete(tenantId, gone.id)).toEqual({ outcome: 'not-found' });
    expect((await channels.get(tenantId, mine.id))?.enabled).toBe(true);
  });

  it('changes only the fields given; a null secret removes it', async () => {
    const created = await channels.create(tenantId, webhook('ops'));
    await channels.create(tenantId, webhook('taken'));

    const renamed = await channels.update(tenantId, created.id, { name: 'ops-2', enabled: false });
    expect(renamed).toMatchObject({ name: 'ops-2', enabled: false, secretSet: true, config: created.config });
    expect(renamed!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

    const newSecret = 'another-secret-of-some-length';
    expect(await channels.update(tenantId, created.id, { secret: newSecret, config: { url: 'https://other.example' } })).toMatchObject({
      name: 'ops-2',
      config: { url: 'https://other.example' },
      secretSet: true,
    });
    expect(box.open((await storedSecret(created.id)) ?? '', `notification_channels/${created.id}/secret`)).toBe(newSecret);
    expect((await channels.update(tenantId, created.id, { secret: null }))?.secretSet).toBe(false);
    expect(await storedSecret(created.id)).toBeNull();
    await expect(channels.update(tenantId, created.id, { name: 'taken' })).rejects.toBeInstanceOf(NameTakenError);
  });

  it('refuses to delete a channel a route still uses, naming the routes', async () => {
    const channel = await channels.create(tenantId, webhook('ops'));
    const spare = await channels.create(tenantId, webhook('spare'));
    const fields = { level: 0, severities: [], sectors: [], modelIds: [], ruleIds: [] };
    const a = await routes.create(tenantId, { ...fields, name: 'b-route', channelIds: [channel.id, spare.id] }, 'test');
    const b = await routes.create(tenantId, { ...fields, name: 'a-route', channelIds: [channel.id] }, 'test');
    if (a.outcome !== 'saved' || b.outcome !== 'saved') throw new Error('routes not saved');

    expect(await channels.routesUsing(tenantId, channel.id)).toEqual([
      { id: b.route.id, name: 'a-route' },
      { id: a.route.id, name: 'b-route' },
    ]);
    expect(await channels.routesUsing(otherTenantId, channel.id)).toEqual([]);
    expect(await channels.softDelete(tenantId, channel.id)).toEqual({ outcome: 'in-use', routes: [{ id: b.route.id, name: 'a-route' }, { id: a.route.id, name: 'b-route' }] });
    expect(await channels.get(tenantId, channel.id)).not.toBeNull();

    await routes.remove(tenantId, a.route.id);
    await routes.update(tenantId, b.route.id, { channelIds: [spare.id] });
    expect(await channels.softDelete(tenantId, channel.id)).toEqual({ outcome: 'deleted' });
    expect(await channels.get(tenantId, channel.id)).toBeNull();
  });

  it('never leaves a route pointing at a deleted channel when deleting and routing race', async () => {
    const fields = { level: 0, severities: [], sectors: [], modelIds: [], ruleIds: [] };
    for (let i = 0; i < 10; i += 1) {
      const channel = await channels.create(tenantId, webhook(`race-${i}`));
      const [deleted, routed] = await Promise.all([channels.softDelete(tenantId, channel.id), routes.create(tenantId, { ...fields, name: `race-${i}`, channelIds: [channel.id] }, 'test')]);
      // Exactly one wins: the route sees no live channel, or the delete sees the route.
      if (routed.outcome === 'saved') expect(deleted.outcome).toBe('in-use');
      else expect([routed.outcome, deleted.outcome]).toEqual(['bad-channels', 'deleted']);
    }
    const dangling = await dataSource.query<unknown[]>(
      `SELECT r.id FROM notification_routes r JOIN notification_channels c ON c.id = ANY(r.channel_ids) WHERE r.tenant_id = $1 AND c.deleted_at IS NOT NULL`,
      [tenantId],
    );
    expect(dangling).toEqual([]);
  });
});
