import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { JOBS, QUOTA_RULE_ID, type RaiseAlertJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { AlertRepository, AlertWrites, createDataSource, Transactions } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId } from '@kanshi/testing';
import type { OutboxRelay } from '../outbox-relay.service';
import { AlertQueue, MemoryJobQueue } from '@kanshi/queue';
import { AlertMetrics, AlertWorkerMetrics } from '../alert-metrics';
import { AlertRaiser } from '../jobs/raise-alert.job';
import { QuotaCounter } from './quota-counter';

describe('tenant quotas of the alert worker (real Redis and PostgreSQL)', () => {
  const config = loadConfig({ ...process.env, KANSHI_QUOTA_ALERT_CREATIONS_PER_MINUTE: '2' });
  let dataSource: DataSource;
  let counter: QuotaCounter;

  beforeAll(async () => {
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-int-quotas');
    await dataSource.initialize();
    counter = new QuotaCounter(config);
  });

  afterAll(async () => {
    counter.onApplicationShutdown();
    await dataSource.destroy();
  });

  it('counts per tenant and minute, shared by every worker: past the quota it says no until the next minute', async () => {
    const tenant = uniqueId('quota');
    const minute = Date.parse('2026-12-06T10:00:00Z');
    const other = new QuotaCounter(config);
    try {
      const takes = [await counter.take(tenant, 'notifications-per-minute', 3, minute), await other.take(tenant, 'notifications-per-minute', 3, minute + 10_000)];
      takes.push(await counter.take(tenant, 'notifications-per-minute', 3, minute + 20_000), await other.take(tenant, 'notifications-per-minute', 3, minute + 59_999));
      expect(takes).toEqual([true, true, true, false]);
      expect(await counter.take(`${tenant}-b`, 'notifications-per-minute', 3, minute + 59_999)).toBe(true);
      expect(await counter.take(tenant, 'notifications-per-minute', 3, minute + 60_000)).toBe(true);
    } finally {
      other.onApplicationShutdown();
    }
  });

  it('holds back new alerts past the quota as a delayed set, raises the tenant’s quota alert, and never holds findings of an existing alert', async () => {
    const { tenantId } = await createTenantFixture(dataSource, uniqueId('quota-alerts'));
    const queued = new MemoryJobQueue();
    const registry = new Registry();
    const raiser = new AlertRaiser(
      new AlertWrites(new Transactions(dataSource), new AlertRepository(dataSource)),
      { kick: () => Promise.resolve() } as unknown as OutboxRelay,
      counter,
      new AlertQueue(queued, config),
      config,
      new AlertMetrics(registry),
      new AlertWorkerMetrics(registry),
    );
    // Held sets are named after the minute they wait for (`held-<minute>-…`); the rest are raised at once.
    const sets = () => queued.jobsNamed(JOBS.raiseAlerts);
    const raisedNow = () => sets().filter((j) => !j.id.startsWith('held-')).flatMap((j): readonly RaiseAlertJob[] => j.data.raises);
    const heldBack = () => sets().filter((j) => j.id.startsWith('held-')).map((j) => ({ raises: j.data.raises, until: Number(j.id.split('-')[1]) * 60_000, delayMs: j.delayMs ?? 0 }));
    const newAlert = (model: string) => raiseAlertJob(tenantId, model, [findingRecord(g1Fingerprint(tenantId, model), 'high')]);
    const count = async () => (await dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM alerts WHERE tenant_id = $1 AND rule_id = 'G1'`, [tenantId]))[0]?.n;

    await raiser.raise(tenantId, [newAlert('m1')]);
    // One set: a finding of m1 (exists), and three new alerts of which one fits the quota of 2.
    await raiser.raise(tenantId, [newAlert('m2'), newAlert('m1'), newAlert('m3'), newAlert('m4')]);

    expect(await count()).toBe('2');
    expect(heldBack()).toHaveLength(1);
    expect(heldBack()[0]?.until ?? 1).toBeGreaterThan(Date.now() - 60_000);
    expect(heldBack()[0]?.delayMs ?? 0).toBeGreaterThan(0);
    const heldModels = heldBack()[0]?.raises.map((r) => r.model_id).sort();
    expect(heldModels).toHaveLength(2);
    expect(['m2', 'm3', 'm4']).toEqual(expect.arrayContaining(heldModels ?? []));
    expect(raisedNow()).toEqual([expect.objectContaining({ tenant_id: tenantId, rule_id: QUOTA_RULE_ID, scope: 'alert-creations-per-minute' })]);
    // The quota alert itself is never held by the quota it reports, even in a set with a new alert that is.
    await raiser.raise(tenantId, [raisedNow()[0]!, newAlert('m5')]);
    expect(heldBack().at(-1)?.raises.map((r) => r.model_id)).toEqual(['m5']);
    const rows = await dataSource.query<{ model_id: string; rule_id: string; occurrence_count: number }[]>(
      `SELECT model_id, rule_id, occurrence_count FROM alerts WHERE tenant_id = $1 ORDER BY rule_id, model_id`,
      [tenantId],
    );
    expect(rows.map((r) => [r.rule_id, r.occurrence_count])).toEqual([
      ['G1', 2],
      ['G1', 1],
      [QUOTA_RULE_ID, 1],
    ]);
    expect(rows[0]?.model_id).toBe('m1');
    // Counted as committed: m1, one of m2–m4 and the quota alert created (all high); 2, then m5, held back.
    const metrics = await registry.metrics();
    expect(metrics).toContain('kanshi_alerts_created_total{severity="high"} 3');
    expect(metrics).toContain('kanshi_quota_holds_total{quota="alert-creations-per-minute"} 3');
  });
});
