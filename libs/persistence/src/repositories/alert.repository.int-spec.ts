import { alertFingerprint } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { AlertWrites } from '../alert-writes';
import { AlertRepository, SYSTEM, type AlertActor } from './alert.repository';
import { Transactions } from './transactions';
import { ALERT_EVIDENCE_SAMPLE } from '@kanshi/alerting-core';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const alerts = new AlertRepository(dataSource);
/** The flows that write alerts, over the repository's rows. */
const writes = new AlertWrites(new Transactions(dataSource), alerts);

async function alertRows(tenantId: string) {
  return dataSource.query<{ id: string; occurrence_count: number; severity: string; evidence_event_ids: string[] }[]>(
    'SELECT id, occurrence_count, severity, evidence_event_ids FROM alerts WHERE tenant_id = $1',
    [tenantId],
  );
}

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('AlertRepository.recordFindings (real PostgreSQL)', () => {
  let tenantId: string;

  beforeEach(async () => {
    tenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
  });

  it('creates one alert and counts each finding once when the same job is recorded again', async () => {
    const fp = alertFingerprint(tenantId, 'm1', 'G1', 'model');
    const first = raiseAlertJob(tenantId, 'm1', [findingRecord(fp), findingRecord(fp)]);

    const a = await writes.recordFindings(first);
    const b = await writes.recordFindings(first);

    expect(a).toMatchObject({ created: true, newFindings: 2 });
    expect(b).toEqual({ alertId: a.alertId, fingerprint: first.fingerprint, created: false, reopened: false, newFindings: 0 });
    const rows = await alertRows(tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.occurrence_count).toBe(2);
  });

  it('keeps one alert and exact counts under concurrent, overlapping deliveries', async () => {
    const fp = alertFingerprint(tenantId, 'm2', 'G1', 'model');
    const pool = Array.from({ length: 30 }, () => findingRecord(fp));
    // 12 deliveries, each a random overlapping slice of the pool, all at once.
    const deliveries = Array.from({ length: 12 }, (_, i) => raiseAlertJob(tenantId, 'm2', pool.slice(i % 5, (i % 5) + 20)));

    const results = await Promise.all(deliveries.map((d) => writes.recordFindings(d)));

    const distinct = new Set(deliveries.flatMap((d) => d.findings.map((f) => f.finding_id)));
    const rows = await alertRows(tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.occurrence_count).toBe(distinct.size);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.reduce((sum, r) => sum + r.newFindings, 0)).toBe(distinct.size);
    const [stored] = await dataSource.query<{ count: string }[]>(
      'SELECT count(*) FROM alert_findings WHERE alert_id = $1',
      [rows[0]?.id],
    );
    expect(Number(stored?.count)).toBe(distinct.size);
  });

  it('keeps the highest severity and a bounded, newest-first evidence sample', async () => {
    const fp = alertFingerprint(tenantId, 'm3', 'G1', 'model');
    const base = Date.now() - 60_000;
    const older = Array.from({ length: 25 }, (_, i) => findingRecord(fp, 'medium', new Date(base + i * 1000)));
    const critical = findingRecord(fp, 'critical', new Date(base + 30_000));
    await writes.recordFindings(raiseAlertJob(tenantId, 'm3', older));
    await writes.recordFindings(raiseAlertJob(tenantId, 'm3', [critical]));
    await writes.recordFindings(raiseAlertJob(tenantId, 'm3', [findingRecord(fp, 'low', new Date(base + 40_000))]));

    const [row] = await alertRows(tenantId);
    expect(row?.severity).toBe('critical');
    expect(row?.occurrence_count).toBe(27);
    expect(row?.evidence_event_ids).toHaveLength(ALERT_EVIDENCE_SAMPLE);
    expect(row?.evidence_event_ids[1]).toBe(critical.event_id);
  });

  it('separates alerts by tenant even when model and rule are the same', async () => {
    const other = uniqueId('t');
    await createTenantFixture(dataSource, other);
    await writes.recordFindings(raiseAlertJob(tenantId, 'shared', [findingRecord(alertFingerprint(tenantId, 'shared', 'G1', 'model'))]));
    await writes.recordFindings(raiseAlertJob(other, 'shared', [findingRecord(alertFingerprint(other, 'shared', 'G1', 'model'))]));

    const mine = await alerts.list(tenantId, {}, 50);
    const theirs = await alerts.list(other, {}, 50);
    expect(mine.items.map((a) => a.tenantId)).toEqual([tenantId]);
    expect(theirs.items.map((a) => a.tenantId)).toEqual([other]);
    expect(await alerts.findForTenant(other, mine.items[0]!.id)).toBeNull();
  });

  it('pages through alerts newest first with a cursor', async () => {
    for (let i = 0; i < 5; i += 1) {
      const model = `pm${i}`;
      const fp = alertFingerprint(tenantId, model, 'G1', 'model');
      await writes.recordFindings(raiseAlertJob(tenantId, model, [findingRecord(fp, 'high', new Date(Date.now() - (5 - i) * 1000))]));
    }
    const first = await alerts.list(tenantId, {}, 2);
    const second = await alerts.list(tenantId, {}, 2, first.nextCursor ?? undefined);
    const third = await alerts.list(tenantId, {}, 2, second.nextCursor ?? undefined);

    expect([...first.items, ...second.items, ...third.items].map((a) => a.modelId)).toEqual(['pm4', 'pm3', 'pm2', 'pm1', 'pm0']);
    expect(third.nextCursor).toBeNull();
  });
});

const officer: AlertActor = { actor: 'api-key:0123456789ab', actorName: 'Hanako (risk office)' };

async function trail(tenantId: string, alertId: string) {
  return (await alerts.history(tenantId, alertId)).map((h) => [h.action, h.actor, h.fromStatus, h.toStatus, h.comment]);
}

describe('AlertRepository.recordFindingSet: sets of raises (real PostgreSQL)', () => {
  let tenantId: string;

  beforeEach(async () => {
    tenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
  });

  /** A raise of model `m` with `n` new findings, or the given ones. */
  const raise = (model: string, findings = [findingRecord(g1Fingerprint(tenantId, model))]) => raiseAlertJob(tenantId, model, findings);

  it('keeps one alert per fingerprint and exact counts when overlapping sets run at once, in any order, some twice', async () => {
    const models = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const pools = new Map(models.map((m) => [m, Array.from({ length: 6 }, () => findingRecord(g1Fingerprint(tenantId, m)))]));
    // 16 sets, each a shuffled slice of the models with a slice of each one's findings, all at once.
    const sets = Array.from({ length: 16 }, (_, k) => {
      const picked = models.filter((_, i) => (i + k) % 3 !== 0).reverse();
      return picked.map((m) => raise(m, (pools.get(m) ?? []).slice(k % 3, (k % 3) + 3 + (k % 2))));
    });
    const replays = sets.slice(0, 4);

    const results = await Promise.all([...sets, ...replays].map((set) => writes.recordFindingSet(tenantId, set)));

    const rows = await dataSource.query<{ model_id: string; occurrence_count: number }[]>('SELECT model_id, occurrence_count FROM alerts WHERE tenant_id = $1', [tenantId]);
    const expected = new Map(models.map((m) => [m, new Set(sets.flatMap((set) => set.filter((r) => r.model_id === m).flatMap((r) => r.findings.map((f) => f.finding_id)))).size]));
    expect(new Map(rows.map((r) => [r.model_id, r.occurrence_count]))).toEqual(expected);
    const recorded = results.flatMap((r) => r.recorded);
    expect(recorded.filter((r) => r.created)).toHaveLength(models.length);
    expect(recorded.reduce((sum, r) => sum + r.newFindings, 0)).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    const stored = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM alert_findings WHERE tenant_id = $1', [tenantId]);
    expect(stored[0]?.n).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    const created = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM alert_history WHERE tenant_id = $1 AND action = 'created'`, [tenantId]);
    expect(created[0]?.n).toBe(models.length);
  });

  it('merges raises of one fingerprint in a set, and holds back the new alerts the quota does not allow, writing nothing of theirs', async () => {
    await writes.recordFindingSet(tenantId, [raise('known')]);
    const twice = [findingRecord(g1Fingerprint(tenantId, 'new-a')), findingRecord(g1Fingerprint(tenantId, 'new-a'))];
    const asked: number[] = [];
    const { recorded, held } = await writes.recordFindingSet(tenantId, [raise('new-a', [twice[0]!]), raise('known'), raise('new-b'), raise('new-a', twice), raise('new-c')], (wanted) => {
      asked.push(wanted);
      return Promise.resolve(1);
    });

    expect(asked).toEqual([3]);
    expect(recorded.map((r) => [r.created, r.newFindings]).sort()).toEqual([
      [false, 1],
      [true, expect.any(Number)],
    ].sort());
    expect(held.map((r) => r.model_id)).toHaveLength(2);
    const rows = await dataSource.query<{ model_id: string; occurrence_count: number }[]>('SELECT model_id, occurrence_count FROM alerts WHERE tenant_id = $1 ORDER BY model_id', [tenantId]);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.model_id === 'known')?.occurrence_count).toBe(2);
    const createdModel = rows.find((r) => r.model_id !== 'known');
    // new-a's two raises are one alert with its two distinct findings; the others were held whole.
    if (createdModel?.model_id === 'new-a') expect(createdModel.occurrence_count).toBe(2);
    else expect(createdModel?.occurrence_count).toBe(1);
    const heldFindings = held.flatMap((r) => r.findings.map((f) => f.finding_id));
    const written = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM alert_findings WHERE finding_id = ANY($1::text[])', [heldFindings]);
    expect(written[0]?.n).toBe(0);
  });

  it('refuses a raise of another tenant in the set', async () => {
    await expect(writes.recordFindingSet(tenantId, [raise('m'), raiseAlertJob('someone-else', 'm', [findingRecord(g1Fingerprint('someone-else', 'm'))])])).rejects.toThrow(/of tenant someone-else/);
  });
});

describe('alert lifecycle and history (real PostgreSQL)', () => {
  let tenantId: string;

  beforeEach(async () => {
    tenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
  });

  it('records creation and a raised severity as history, firing again only as occurrences counted over time, and a replay as nothing', async () => {
    const fp = g1Fingerprint(tenantId, 'm1');
    const hour = (h: number, m = 0) => new Date(Date.UTC(2026, 11, 7, h, m));
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm1', [findingRecord(fp, 'medium', hour(9, 10))]));
    const second = raiseAlertJob(tenantId, 'm1', [findingRecord(fp, 'critical', hour(10, 5)), findingRecord(fp, 'low', hour(10, 50))]);
    await writes.recordFindings(second);
    await writes.recordFindings(second);
    for (let i = 0; i < 5; i += 1) await writes.recordFindings(raiseAlertJob(tenantId, 'm1', [findingRecord(fp, 'low', hour(12, i))]));

    const history = await alerts.history(tenantId, alertId);
    expect(history.map((h) => [h.action, h.actor, h.details])).toEqual([
      ['created', 'kanshi', { severity: 'medium', rule_id: 'G1', scope: 'model' }],
      ['severity_raised', 'kanshi', { from: 'medium', to: 'critical' }],
    ]);
    const perHour = await alerts.occurrences(tenantId, alertId, 'hour', 100);
    expect(perHour.map((b) => [b.at.toISOString(), b.count, b.severity])).toEqual([
      [hour(9).toISOString(), 1, 'medium'],
      [hour(10).toISOString(), 2, 'critical'],
      [hour(12).toISOString(), 5, 'low'],
    ]);
    expect((await alerts.occurrences(tenantId, alertId, 'hour', 2)).map((b) => b.count)).toEqual([2, 5]);
    expect((await alerts.occurrences(tenantId, alertId, 'day', 10)).map((b) => [b.at.toISOString(), b.count])).toEqual([[new Date(Date.UTC(2026, 11, 7)).toISOString(), 8]]);
    expect(await alerts.occurrences(`${tenantId}-other`, alertId, 'day', 10)).toEqual([]);
  });

  it('walks firing → acknowledged → resolved → reopened with who, when and the comment, refusing what makes no sense', async () => {
    const fp = g1Fingerprint(tenantId, 'm2');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm2', [findingRecord(fp)]));

    const acked = await writes.apply(tenantId, alertId, { kind: 'acknowledge', comment: 'Looking into the feature pipeline.' }, officer);
    expect(acked.outcome === 'applied' && [acked.alert.status, acked.alert.acknowledgedAt !== null]).toEqual(['acknowledged', true]);
    expect(await writes.apply(tenantId, alertId, { kind: 'acknowledge' }, officer)).toEqual({ outcome: 'conflict', message: 'the alert is already acknowledged', status: 'acknowledged' });

    const assigned = await writes.apply(tenantId, alertId, { kind: 'assign', assignee: 'model-risk@bank.example' }, officer);
    expect(assigned.outcome === 'applied' && assigned.alert.assignee).toBe('model-risk@bank.example');
    await writes.apply(tenantId, alertId, { kind: 'resolve', comment: 'Pipeline fixed; PSI back under 0.1.' }, officer);
    expect(await writes.apply(tenantId, alertId, { kind: 'assign', assignee: 'x' }, officer)).toMatchObject({ outcome: 'conflict', status: 'resolved' });
    await writes.apply(tenantId, alertId, { kind: 'reopen', comment: 'Drift is back.' }, officer);

    expect(await trail(tenantId, alertId)).toEqual([
      ['created', 'kanshi', null, 'firing', null],
      ['acknowledged', officer.actor, 'firing', 'acknowledged', 'Looking into the feature pipeline.'],
      ['assigned', officer.actor, 'acknowledged', 'acknowledged', null],
      ['resolved', officer.actor, 'acknowledged', 'resolved', 'Pipeline fixed; PSI back under 0.1.'],
      ['reopened', officer.actor, 'resolved', 'firing', 'Drift is back.'],
    ]);
    const history = await alerts.history(tenantId, alertId);
    expect(history.every((h, i) => i === 0 || h.at >= (history[i - 1]?.at as Date))).toBe(true);
    expect(history[1]?.actorName).toBe('Hanako (risk office)');
  });

  it('reopens a resolved alert when its rule fires again, and leaves an acknowledged one acknowledged', async () => {
    const fp = g1Fingerprint(tenantId, 'm3');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm3', [findingRecord(fp)]));
    await writes.recordFindings(raiseAlertJob(tenantId, 'm3', [findingRecord(fp, 'critical')]));
    await writes.apply(tenantId, alertId, { kind: 'resolve' }, officer);

    const again = await writes.recordFindings(raiseAlertJob(tenantId, 'm3', [findingRecord(fp, 'medium')]));
    expect(again).toMatchObject({ created: false, reopened: true, newFindings: 1 });
    const reopened = await alerts.findForTenant(tenantId, alertId);
    // The highest severity seen while open: the critical finding belonged to the resolved period.
    expect([reopened?.status, reopened?.severity]).toEqual(['firing', 'medium']);

    await writes.apply(tenantId, alertId, { kind: 'acknowledge' }, officer);
    await writes.recordFindings(raiseAlertJob(tenantId, 'm3', [findingRecord(fp)]));
    const alert = await alerts.findForTenant(tenantId, alertId);
    expect([alert?.status, alert?.occurrenceCount]).toEqual(['acknowledged', 4]);
    expect((await trail(tenantId, alertId)).map(([action]) => action)).toEqual(['created', 'severity_raised', 'resolved', 'reopened', 'acknowledged', 'severity_raised']);
  });

  it('treats an alert of another tenant, or a malformed id, as absent', async () => {
    const fp = g1Fingerprint(tenantId, 'm4');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm4', [findingRecord(fp)]));
    const other = uniqueId('t');
    await createTenantFixture(dataSource, other);

    expect(await writes.apply(other, alertId, { kind: 'resolve' }, SYSTEM)).toEqual({ outcome: 'not-found' });
    expect(await writes.apply(tenantId, 'not-a-uuid', { kind: 'resolve' }, SYSTEM)).toEqual({ outcome: 'not-found' });
    expect(await alerts.history(other, alertId)).toEqual([]);
    expect((await alerts.findForTenant(tenantId, alertId))?.status).toBe('firing');
  });

  it('keeps the history append-only: the database refuses to change or delete it', async () => {
    const fp = g1Fingerprint(tenantId, 'm5');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm5', [findingRecord(fp)]));

    // The apps' role has no UPDATE or DELETE on it; with one role for everything, the trigger refuses (database-roles.int-spec.ts shows both).
    await expect(dataSource.query(`UPDATE alert_history SET comment = 'rewritten' WHERE alert_id = $1`, [alertId])).rejects.toThrow(/permission denied for table alert_history|append-only/);
    await expect(dataSource.query(`DELETE FROM alert_history WHERE alert_id = $1`, [alertId])).rejects.toThrow(/permission denied for table alert_history|append-only/);
    expect(await trail(tenantId, alertId)).toHaveLength(1);
  });

  it('serialises concurrent commands on one alert: exactly one acknowledgement wins', async () => {
    const fp = g1Fingerprint(tenantId, 'm6');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm6', [findingRecord(fp)]));

    const results = await Promise.all(Array.from({ length: 8 }, () => writes.apply(tenantId, alertId, { kind: 'acknowledge' }, officer)));

    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'conflict')).toHaveLength(7);
    expect((await trail(tenantId, alertId)).filter(([action]) => action === 'acknowledged')).toHaveLength(1);
  });
});

describe('AlertRepository.recordClear: auto-resolve (real PostgreSQL)', () => {
  let tenantId: string;
  const HOUR = 3_600_000;
  const t0 = new Date('2026-11-02T00:00:00Z');
  const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
  const clear = (fingerprint: string, hours: number) => ({
    fingerprint,
    tenant_id: tenantId,
    model_id: 'm',
    rule_id: 'G1',
    scope: 'model',
    cleared_at: at(hours).toISOString(),
    clear_for_ms: HOUR,
  });

  beforeEach(async () => {
    tenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
  });

  it('resolves once the condition has stayed clear for the recovery period, not before, with kanshi in the history', async () => {
    const fp = g1Fingerprint(tenantId, 'm');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm', [findingRecord(fp, 'high', at(0))]));

    expect(await writes.recordClear(clear(fp, 1))).toMatchObject({ outcome: 'clearing', clearSince: at(1) });
    expect(await writes.recordClear(clear(fp, 1.99))).toMatchObject({ outcome: 'clearing', clearSince: at(1) });
    expect((await alerts.findForTenant(tenantId, alertId))?.status).toBe('firing');
    expect(await writes.recordClear(clear(fp, 2))).toMatchObject({ outcome: 'resolved', alertId });

    const alert = await alerts.findForTenant(tenantId, alertId);
    expect([alert?.status, alert?.resolvedAt !== null]).toEqual(['resolved', true]);
    const last = (await alerts.history(tenantId, alertId)).at(-1);
    expect(last).toMatchObject({ action: 'resolved', actor: 'kanshi', fromStatus: 'firing', details: { how: 'auto', clear_since: at(1).toISOString() } });
    expect(await writes.recordClear(clear(fp, 3))).toEqual({ outcome: 'no-open-alert' });
  });

  it('restarts the count when the rule fires after the first clear, and ignores a clear older than the newest finding', async () => {
    const fp = g1Fingerprint(tenantId, 'm');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm', [findingRecord(fp, 'high', at(0))]));
    await writes.recordClear(clear(fp, 1));
    await writes.recordFindings(raiseAlertJob(tenantId, 'm', [findingRecord(fp, 'high', at(1.5))]));

    expect(await writes.recordClear(clear(fp, 1.2))).toEqual({ outcome: 'stale' });
    expect(await writes.recordClear(clear(fp, 2))).toMatchObject({ outcome: 'clearing', clearSince: at(2) });
    expect(await writes.recordClear(clear(fp, 2.5))).toMatchObject({ outcome: 'clearing' });
    expect((await alerts.findForTenant(tenantId, alertId))?.status).toBe('firing');
    expect(await writes.recordClear(clear(fp, 3))).toMatchObject({ outcome: 'resolved' });
  });

  it('keeps a clear that is newer than a finding delivered after it (order-independent)', async () => {
    const fp = g1Fingerprint(tenantId, 'm');
    await writes.recordFindings(raiseAlertJob(tenantId, 'm', [findingRecord(fp, 'high', at(0))]));
    await writes.recordClear(clear(fp, 2));
    // A finding of hour 1 delivered late: the condition was clear after it, at hour 2.
    await writes.recordFindings(raiseAlertJob(tenantId, 'm', [findingRecord(fp, 'high', at(1))]));

    expect(await writes.recordClear(clear(fp, 3))).toMatchObject({ outcome: 'resolved', clearSince: at(2) });
  });

  it('resolves an acknowledged alert too, and does nothing for a fingerprint without an alert', async () => {
    const fp = g1Fingerprint(tenantId, 'm');
    const { alertId } = await writes.recordFindings(raiseAlertJob(tenantId, 'm', [findingRecord(fp, 'high', at(0))]));
    await writes.apply(tenantId, alertId, { kind: 'acknowledge' }, officer);
    await writes.recordClear(clear(fp, 1));
    expect(await writes.recordClear(clear(fp, 2))).toMatchObject({ outcome: 'resolved' });
    expect(await writes.recordClear(clear(g1Fingerprint(tenantId, 'other'), 2))).toEqual({ outcome: 'no-open-alert' });
  });
});
