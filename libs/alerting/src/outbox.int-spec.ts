import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { JOBS, QUEUES, type EscalateAlertJob, type SilenceTimerJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { OutboxRepository, SilenceRepository } from '@kanshi/persistence';
import { QueueInspector } from '@kanshi/queue';
import { createTenantFixture, deleteQueueKeys, findingRecord, g1Fingerprint, raiseAlertJob, TcpFaultProxy, uniqueId, waitFor } from '@kanshi/testing';
import { AlertRaiser } from './jobs/raise-alert.job';
import { createWorkerTestApp } from './worker-test-app';

/**
 * The transactional outbox, with the worker's Redis behind a fault proxy: follow-ups of changes
 * committed while Redis is away are scheduled once it is back (not at the next boot), once.
 */
describe('follow-ups through the outbox, across a Redis outage (real Redis and PostgreSQL)', () => {
  const prefix = uniqueId('kanshi-test-outbox');
  const queues = new QueueInspector(loadConfig().values.redisUrl, prefix);
  let proxy: TcpFaultProxy;
  let app: INestApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    const target = new URL(loadConfig().values.redisUrl);
    proxy = await TcpFaultProxy.start({ targetHost: target.hostname, targetPort: Number(target.port || 6379) });
    const config = loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: prefix, KANSHI_REDIS_URL: proxy.proxiedUrl(loadConfig().values.redisUrl) });
    ({ app, dataSource } = await createWorkerTestApp(config));
    await app.init();
  });

  afterAll(async () => {
    proxy.restore();
    await app.close();
    await proxy.close();
    await queues.close();
    await deleteQueueKeys(loadConfig().values.redisUrl, prefix);
  });

  const escalationsOf = async (alertId: string) =>
    (await queues.jobs(QUEUES.escalations, ['delayed', 'wait', 'prioritized', 'active', 'completed'])).filter((j) => j.name === JOBS.escalateAlert && (j.data as EscalateAlertJob).alert_id === alertId);
  const pendingOf = async (tenantId: string) => (await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM alert_outbox WHERE tenant_id = $1', [tenantId]))[0]?.n ?? 0;

  it('keeps the follow-ups of alerts and silences changed while Redis is away, and schedules each once when it returns', async () => {
    const { tenantId } = await createTenantFixture(dataSource, uniqueId('outbox'));
    const raiser = app.get(AlertRaiser);
    // Redis refuses: the changes still commit, their follow-ups stay in the outbox.
    proxy.cut();
    const critical = (model: string) => raiseAlertJob(tenantId, model, [findingRecord(g1Fingerprint(tenantId, model), 'critical')]);
    await raiser.raise(tenantId, [critical('m1'), critical('m2')]);
    const { silence } = await app.get(SilenceRepository).create(tenantId, {
      severities: [],
      sectors: [],
      modelIds: ['m9'],
      ruleIds: [],
      reason: 'maintenance',
      startsAt: new Date(),
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: 'test',
      createdByName: null,
    });
    // A second relay pass while still cut: the entries stay.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await pendingOf(tenantId)).toBe(3);
    const alerts = await dataSource.query<{ id: string; model_id: string }[]>('SELECT id, model_id FROM alerts WHERE tenant_id = $1 ORDER BY model_id', [tenantId]);
    expect(alerts.map((a) => a.model_id)).toEqual(['m1', 'm2']);
    for (const a of alerts) expect(await escalationsOf(a.id)).toHaveLength(0);

    proxy.restore();
    await waitFor('the outbox to be relayed', async () => ((await pendingOf(tenantId)) === 0 ? true : undefined), 30_000);
    for (const a of alerts) expect((await escalationsOf(a.id)).map((j) => (j.data as EscalateAlertJob).level)).toEqual([1]);
    const timers = (await queues.jobs(QUEUES.escalations, ['delayed', 'wait', 'completed'])).filter((j) => j.name === JOBS.expireSilence && (j.data as SilenceTimerJob).silence_id === silence.id);
    expect(timers).toHaveLength(1);

    // Relaying the same changes again (a crash between scheduling and deleting) adds nothing.
    await dataSource.query(`INSERT INTO alert_outbox (tenant_id, kind, subject_id) SELECT $1, 'alert', id FROM alerts WHERE tenant_id = $1`, [tenantId]);
    await waitFor('the outbox to be relayed again', async () => ((await pendingOf(tenantId)) === 0 ? true : undefined), 30_000);
    for (const a of alerts) expect(await escalationsOf(a.id)).toHaveLength(1);
    // A finding that changes nothing (same severity, alert open) leaves no entry; a new alert does
    // (Redis away again, so nothing relays it meanwhile).
    proxy.cut();
    await raiser.raise(tenantId, [critical('m1')]);
    expect(await pendingOf(tenantId)).toBe(0);
    await raiser.raise(tenantId, [critical('m3')]);
    expect(await pendingOf(tenantId)).toBe(1);
    expect(await app.get(OutboxRepository).pending()).toBeGreaterThanOrEqual(1);
    proxy.restore();
    await waitFor('the last entry to be relayed', async () => ((await pendingOf(tenantId)) === 0 ? true : undefined), 30_000);
  }, 60_000);
});
