import { loadConfig } from '@kanshi/config';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId } from '@kanshi/testing';
import { AlertWrites } from '../alert-writes';
import { createDataSource } from '../data-source';
import { AlertRepository, InvalidCursorError } from './alert.repository';
import { Transactions } from './transactions';
import { SilenceRepository, silenceState, type NewSilence } from './silence.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const silences = new SilenceRepository(dataSource);
/** The silence created (the alerts it silenced at once are not what these tests look at). */
const create = async (tenantId: string, s: NewSilence) => (await silences.create(tenantId, s)).silence;

const HOUR = 3600_000;

const silence = (startsAt: Date, endsAt: Date, extra: Partial<NewSilence> = {}): NewSilence => ({
  severities: [],
  sectors: ['finance'],
  modelIds: ['credit-v2'],
  ruleIds: [],
  reason: 'Model retraining window, approved by the risk committee.',
  startsAt,
  endsAt,
  createdBy: 'api-key:0123456789ab',
  createdByName: 'Hanako (risk office)',
  ...extra,
});

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('silenceState', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  it('is pending before the start, active from the start, expired from the end', () => {
    const s = { startsAt: new Date(at.getTime() + 1000), endsAt: new Date(at.getTime() + 2000) };
    expect(silenceState(s, at)).toBe('pending');
    expect(silenceState(s, s.startsAt)).toBe('active');
    expect(silenceState(s, s.endsAt)).toBe('expired');
  });
});

describe('SilenceRepository (real PostgreSQL)', () => {
  let tenantId: string;
  let otherTenantId: string;
  let now: Date;

  beforeEach(async () => {
    tenantId = uniqueId('t');
    otherTenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
    await createTenantFixture(dataSource, otherTenantId);
    now = new Date();
  });

  it('answers the ids of the firing alerts a silence in force silenced as it was created (the API counts them)', async () => {
    const writes = new AlertWrites(new Transactions(dataSource), new AlertRepository(dataSource));
    const raise = (model: string) => writes.recordFindings(raiseAlertJob(tenantId, model, [findingRecord(g1Fingerprint(tenantId, model))]));
    const held = await raise('credit-v2');
    await raise('fraud-v1');

    const { silence: created, silencedAlertIds } = await silences.create(tenantId, silence(now, new Date(now.getTime() + HOUR), { sectors: [] }), now);
    const later = await silences.create(tenantId, silence(new Date(now.getTime() + HOUR), new Date(now.getTime() + 2 * HOUR), { sectors: [] }), now);

    expect(silencedAlertIds).toEqual([held.alertId]);
    expect(later.silencedAlertIds).toEqual([]);
    const [row] = await dataSource.query<{ status: string; silenced_by: string }[]>('SELECT status, silenced_by FROM alerts WHERE id = $1', [held.alertId]);
    expect(row).toEqual({ status: 'silenced', silenced_by: created.id });
  });

  it('creates a silence with its matchers and creator; another tenant cannot see it', async () => {
    const created = await create(tenantId, silence(now, new Date(now.getTime() + HOUR)));
    expect(created).toMatchObject({
      tenantId,
      severities: [],
      sectors: ['finance'],
      modelIds: ['credit-v2'],
      ruleIds: [],
      startsAt: now,
      endsAt: new Date(now.getTime() + HOUR),
      createdBy: 'api-key:0123456789ab',
      createdByName: 'Hanako (risk office)',
      remindedAt: null,
    });
    expect(await silences.get(tenantId, created.id)).toEqual(created);
    expect(await silences.get(otherTenantId, created.id)).toBeNull();
    expect(await silences.get(tenantId, 'nope')).toBeNull();
  });

  it('lists by state at a moment, active and pending by default in the API, newest first', async () => {
    const active = await create(tenantId, silence(new Date(now.getTime() - HOUR), new Date(now.getTime() + HOUR)));
    const pending = await create(tenantId, silence(new Date(now.getTime() + HOUR), new Date(now.getTime() + 2 * HOUR)));
    const ended = await create(tenantId, silence(new Date(now.getTime() - 2 * HOUR), new Date(now.getTime() + HOUR)));
    await silences.expireNow(tenantId, ended.id, now);
    await create(otherTenantId, silence(new Date(now.getTime() - HOUR), new Date(now.getTime() + HOUR)));

    const ids = async (states: Parameters<SilenceRepository['list']>[1]['states']) => (await silences.list(tenantId, { states, limit: 50 }, now)).items.map((s) => s.id);
    expect(await ids(['active'])).toEqual([active.id]);
    expect(await ids(['pending'])).toEqual([pending.id]);
    expect(await ids(['expired'])).toEqual([ended.id]);
    expect(await ids(['active', 'pending'])).toEqual([pending.id, active.id]);
    expect(await ids(['pending', 'active', 'expired'])).toEqual([ended.id, pending.id, active.id]);
    expect(await ids([])).toEqual([]);
  });

  it('pages with a cursor and refuses a cursor it did not give', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await create(tenantId, silence(now, new Date(now.getTime() + HOUR)))).id);
    const states = ['active'] as const;
    const first = await silences.list(tenantId, { states, limit: 2 }, now);
    const second = await silences.list(tenantId, { states, limit: 2, cursor: first.nextCursor ?? undefined }, now);
    const third = await silences.list(tenantId, { states, limit: 2, cursor: second.nextCursor ?? undefined }, now);
    expect([...first.items, ...second.items, ...third.items].map((s) => s.id)).toEqual([...made].reverse());
    expect(third.nextCursor).toBeNull();

    await expect(silences.list(tenantId, { states, limit: 2, cursor: 'garbage' }, now)).rejects.toBeInstanceOf(InvalidCursorError);
    // Another tenant's silence is no anchor either.
    const theirs = await create(otherTenantId, silence(now, new Date(now.getTime() + HOUR)));
    await expect(silences.list(tenantId, { states, limit: 2, cursor: Buffer.from(theirs.id).toString('base64url') }, now)).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('expires an active silence now, keeping the row; expiring again says it already expired', async () => {
    const created = await create(tenantId, silence(new Date(now.getTime() - HOUR), new Date(now.getTime() + HOUR)));
    const result = await silences.expireNow(tenantId, created.id, now);
    expect(result).toMatchObject({ outcome: 'saved', silence: { id: created.id, startsAt: created.startsAt, endsAt: now } });
    if (result.outcome === 'saved') expect(silenceState(result.silence, now)).toBe('expired');

    expect(await silences.expireNow(tenantId, created.id, new Date(now.getTime() + 1000))).toMatchObject({ outcome: 'expired', silence: { endsAt: now } });
    expect(await silences.expireNow(otherTenantId, created.id)).toEqual({ outcome: 'not-found' });
    expect(await silences.expireNow(tenantId, 'nope')).toEqual({ outcome: 'not-found' });
  });

  it('expires a silence that had not started, its start moved just before now', async () => {
    const created = await create(tenantId, silence(new Date(now.getTime() + HOUR), new Date(now.getTime() + 2 * HOUR)));
    const result = await silences.expireNow(tenantId, created.id, now);
    expect(result).toMatchObject({ outcome: 'saved', silence: { startsAt: new Date(now.getTime() - 1), endsAt: now } });
    if (result.outcome === 'saved') expect(silenceState(result.silence, now)).toBe('expired');
  });

  it('moves the end and changes the reason of a silence in force, but not of an expired one', async () => {
    const created = await create(tenantId, silence(new Date(now.getTime() - HOUR), new Date(now.getTime() + HOUR)));
    const later = new Date(now.getTime() + 3 * HOUR);

    expect(await silences.update(tenantId, created.id, { endsAt: later }, now)).toMatchObject({ outcome: 'saved', silence: { endsAt: later, reason: created.reason } });
    expect(await silences.update(tenantId, created.id, { reason: 'Extended: retraining overran.' }, now)).toMatchObject({
      outcome: 'saved',
      silence: { endsAt: later, reason: 'Extended: retraining overran.' },
    });
    expect(await silences.update(otherTenantId, created.id, { reason: 'x' }, now)).toEqual({ outcome: 'not-found' });

    await silences.expireNow(tenantId, created.id, now);
    expect(await silences.update(tenantId, created.id, { endsAt: later }, new Date(now.getTime() + 1))).toMatchObject({ outcome: 'expired', silence: { endsAt: now } });
  });
});
