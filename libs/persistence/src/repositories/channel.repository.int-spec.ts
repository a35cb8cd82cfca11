import { loadConfig } from '@kanshi/config';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { ChannelRepository, NameTakenError, type NewChannel } from './channel.repository';
import { RouteRepository } from './route.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const channels = new ChannelRepository(dataSource);
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
    expect(await storedSecret(created.id)).toBe(SECRET);
    expect((await channels.create(tenantId, { ...webhook('mail', null), kind: 'email' })).secretSet).toBe(false);
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
    expect(await storedSecret(created.id)).toBe(newSecret);
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
