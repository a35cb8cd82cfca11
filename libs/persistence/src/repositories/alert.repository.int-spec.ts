import { alertFingerprint } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createTenantFixture, findingRecord, raiseAlertJob, uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { ALERT_EVIDENCE_SAMPLE, AlertRepository } from './alert.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const alerts = new AlertRepository(dataSource);

async function alertRows(tenantId: string) {
  return dataSource.query<{ id: string; occurrence_count: number; severity: string; evidence_event_ids: string[] }[]>(
    'SELECT id, occurrence_count, severity, evidence_event_ids FROM alerts WHERE tenant_id = $1',
    [tenantId],
  );
}

describe('AlertRepository.recordFindings (real PostgreSQL)', () => {
  let tenantId: string;

  beforeAll(async () => {
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
  });
  beforeEach(async () => {
    tenantId = uniqueId('t');
    await createTenantFixture(dataSource, tenantId);
  });

  it('creates one alert and counts each finding once when the same job is recorded again', async () => {
    const fp = alertFingerprint(tenantId, 'm1', 'G1', 'model');
    const first = raiseAlertJob(tenantId, 'm1', [findingRecord(fp), findingRecord(fp)]);

    const a = await alerts.recordFindings(first);
    const b = await alerts.recordFindings(first);

    expect(a).toMatchObject({ created: true, newFindings: 2 });
    expect(b).toEqual({ alertId: a.alertId, created: false, newFindings: 0 });
    const rows = await alertRows(tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.occurrence_count).toBe(2);
  });

  it('keeps one alert and exact counts under concurrent, overlapping deliveries', async () => {
    const fp = alertFingerprint(tenantId, 'm2', 'G1', 'model');
    const pool = Array.from({ length: 30 }, () => findingRecord(fp));
    // 12 deliveries, each a random overlapping slice of the pool, all at once.
    const deliveries = Array.from({ length: 12 }, (_, i) => raiseAlertJob(tenantId, 'm2', pool.slice(i % 5, (i % 5) + 20)));

    const results = await Promise.all(deliveries.map((d) => alerts.recordFindings(d)));

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
    await alerts.recordFindings(raiseAlertJob(tenantId, 'm3', older));
    await alerts.recordFindings(raiseAlertJob(tenantId, 'm3', [critical]));
    await alerts.recordFindings(raiseAlertJob(tenantId, 'm3', [findingRecord(fp, 'low', new Date(base + 40_000))]));

    const [row] = await alertRows(tenantId);
    expect(row?.severity).toBe('critical');
    expect(row?.occurrence_count).toBe(27);
    expect(row?.evidence_event_ids).toHaveLength(ALERT_EVIDENCE_SAMPLE);
    expect(row?.evidence_event_ids[1]).toBe(critical.event_id);
  });

  it('separates alerts by tenant even when model and rule are the same', async () => {
    const other = uniqueId('t');
    await createTenantFixture(dataSource, other);
    await alerts.recordFindings(raiseAlertJob(tenantId, 'shared', [findingRecord(alertFingerprint(tenantId, 'shared', 'G1', 'model'))]));
    await alerts.recordFindings(raiseAlertJob(other, 'shared', [findingRecord(alertFingerprint(other, 'shared', 'G1', 'model'))]));

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
      await alerts.recordFindings(raiseAlertJob(tenantId, model, [findingRecord(fp, 'high', new Date(Date.now() - (5 - i) * 1000))]));
    }
    const first = await alerts.list(tenantId, {}, 2);
    const second = await alerts.list(tenantId, {}, 2, first.nextCursor ?? undefined);
    const third = await alerts.list(tenantId, {}, 2, second.nextCursor ?? undefined);

    expect([...first.items, ...second.items, ...third.items].map((a) => a.modelId)).toEqual(['pm4', 'pm3', 'pm2', 'pm1', 'pm0']);
    expect(third.nextCursor).toBeNull();
  });
});
