import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '@kanshi/config';
import { SecretBox } from '@kanshi/secrets';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { ChannelRepository, NameTakenError } from './channel.repository';
import { RouteRepository, type RouteFields } from './route.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const channels = new ChannelRepository(dataSource, new SecretBox(randomBytes(32)));
const routes = new RouteRepository(dataSource);

const channel = (tenantId: string, name: string) =>
  channels.create(tenantId, { name, kind: 'email', config: { to: ['risk@bank.example'], from: 'kanshi@bank.example', host: 'smtp.bank.example' }, secret: null, enabled: true, createdBy: 'test' });

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('RouteRepository (real PostgreSQL)', () => {
  let tenantId: string;
  let otherTenantId: string;
  let ops: string;
  let risk: string;

  const route = (name: string, channelIds: readonly string[], extra: Partial<RouteFields> = {}): RouteFields => ({
    name,
    level: 0,
    severities: [],
    sectors: [],
    modelIds: [],
    ruleIds: [],
    channelIds,
    ...extra,
  });

  beforeEach(async () => {
    tenantId = uniqueId('t');
    otherTenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
    await createTenantFixture(dataSource, otherTenantId);
    ops = (await channel(tenantId, 'ops')).id;
    risk = (await channel(tenantId, 'risk')).id;
  });

  it('creates a route with its matchers and channels, and reads it back', async () => {
    const result = await routes.create(tenantId, route('finance-critical', [ops, risk], { level: 1, severities: ['critical'], sectors: ['finance'], modelIds: ['credit-v2'], ruleIds: ['F3'] }), 'api-key:abc');
    expect(result.outcome).toBe('saved');
    if (result.outcome !== 'saved') return;
    expect(result.route).toMatchObject({
      tenantId,
      name: 'finance-critical',
      level: 1,
      severities: ['critical'],
      sectors: ['finance'],
      modelIds: ['credit-v2'],
      ruleIds: ['F3'],
      channelIds: [ops, risk],
      createdBy: 'api-key:abc',
    });
    expect(await routes.get(tenantId, result.route.id)).toEqual(result.route);
    expect(await routes.get(otherTenantId, result.route.id)).toBeNull();
    expect(await routes.get(tenantId, 'nope')).toBeNull();
  });

  it('refuses channels that are unknown, deleted or another tenant’s, listing them in the order given, and writes nothing', async () => {
    const theirs = (await channel(otherTenantId, 'theirs')).id;
    const gone = (await channel(tenantId, 'gone')).id;
    await channels.softDelete(tenantId, gone);
    const unknown = randomUUID();

    const result = await routes.create(tenantId, route('bad', [ops, theirs, gone, unknown, 'malformed']), 'test');

    expect(result).toEqual({ outcome: 'bad-channels', channelIds: [theirs, gone, unknown, 'malformed'] });
    expect(await routes.list(tenantId)).toEqual([]);
  });

  it('keeps route names unique per tenant', async () => {
    await routes.create(tenantId, route('ops', [ops]), 'test');
    await expect(routes.create(tenantId, route('ops', [risk]), 'test')).rejects.toBeInstanceOf(NameTakenError);
    await expect(routes.create(otherTenantId, route('ops', [(await channel(otherTenantId, 'x')).id]), 'test')).resolves.toMatchObject({ outcome: 'saved' });
  });

  it('changes only the fields given, checking new channels; another tenant’s route is not found', async () => {
    const created = await routes.create(tenantId, route('ops', [ops], { severities: ['high'], level: 2 }), 'test');
    if (created.outcome !== 'saved') throw new Error('not saved');
    const id = created.route.id;
    await routes.create(tenantId, route('taken', [ops]), 'test');

    const renamed = await routes.update(tenantId, id, { name: 'ops-high', sectors: ['medical'] });
    expect(renamed).toMatchObject({ outcome: 'saved', route: { name: 'ops-high', level: 2, severities: ['high'], sectors: ['medical'], channelIds: [ops] } });

    const theirs = (await channel(otherTenantId, 'theirs')).id;
    expect(await routes.update(tenantId, id, { channelIds: [risk, theirs] })).toEqual({ outcome: 'bad-channels', channelIds: [theirs] });
    expect((await routes.get(tenantId, id))?.channelIds).toEqual([ops]);
    expect(await routes.update(tenantId, id, { channelIds: [risk] })).toMatchObject({ outcome: 'saved', route: { channelIds: [risk] } });

    await expect(routes.update(tenantId, id, { name: 'taken' })).rejects.toBeInstanceOf(NameTakenError);
    expect(await routes.update(otherTenantId, id, { level: 0 })).toEqual({ outcome: 'not-found' });
    expect(await routes.update(tenantId, 'nope', { level: 0 })).toEqual({ outcome: 'not-found' });
  });

  it('lists by level then name, and deletes for good', async () => {
    const names = [
      ['b', 1],
      ['a', 1],
      ['z', 0],
    ] as const;
    for (const [name, level] of names) await routes.create(tenantId, route(name, [ops], { level }), 'test');
    const listed = await routes.list(tenantId);
    expect(listed.map((r) => r.name)).toEqual(['z', 'a', 'b']);
    expect(await routes.list(otherTenantId)).toEqual([]);

    const z = listed[0]!;
    expect(await routes.remove(otherTenantId, z.id)).toBe(false);
    expect(await routes.remove(tenantId, z.id)).toBe(true);
    expect(await routes.remove(tenantId, z.id)).toBe(false);
    expect(await routes.get(tenantId, z.id)).toBeNull();
  });
});
