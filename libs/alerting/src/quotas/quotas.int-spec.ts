import { Logger } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { JOBS, type RaiseAlertJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { AlertRepository, createDataSource } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId, waitFor } from '@kanshi/testing';
import type { OutboxRelay } from '../outbox-relay.service';
import type { AlertQueue } from '../alert-queue.service';
import type { JobHandlerOf } from '../job-handler.decorator';
import { AlertRaiser } from '../jobs/raise-alert.job';
import { processJob } from '../queue-worker.host';
import { HoldJobUntil, QuotaCounter } from './quota-counter';
import { QUOTA_RULE_ID } from './tenant-quota';

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
    const raised: RaiseAlertJob[] = [];
    const heldBack: { raises: readonly RaiseAlertJob[]; until: number }[] = [];
    const raiser = new AlertRaiser(
      new AlertRepository(dataSource),
      { kick: () => Promise.resolve() } as unknown as OutboxRelay,
      counter,
      {
        enqueue: (jobs: readonly RaiseAlertJob[]) => Promise.resolve(void raised.push(...jobs)),
        hold: (_tenant: string, raises: readonly RaiseAlertJob[], until: number) => Promise.resolve(void heldBack.push({ raises, until })),
      } as unknown as AlertQueue,
      config,
    );
    const newAlert = (model: string) => raiseAlertJob(tenantId, model, [findingRecord(g1Fingerprint(tenantId, model), 'high')]);
    const count = async () => (await dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM alerts WHERE tenant_id = $1 AND rule_id = 'G1'`, [tenantId]))[0]?.n;

    await raiser.raise(tenantId, [newAlert('m1')]);
    // One set: a finding of m1 (exists), and three new alerts of which one fits the quota of 2.
    await raiser.raise(tenantId, [newAlert('m2'), newAlert('m1'), newAlert('m3'), newAlert('m4')]);

    expect(await count()).toBe('2');
    expect(heldBack).toHaveLength(1);
    expect(heldBack[0]?.until ?? 1).toBeGreaterThan(Date.now() - 60_000);
    expect((heldBack[0]?.until ?? 1) % 60_000).toBe(0);
    const heldModels = heldBack[0]?.raises.map((r) => r.model_id).sort();
    expect(heldModels).toHaveLength(2);
    expect(['m2', 'm3', 'm4']).toEqual(expect.arrayContaining(heldModels ?? []));
    expect(raised).toEqual([expect.objectContaining({ tenant_id: tenantId, rule_id: QUOTA_RULE_ID, scope: 'alert-creations-per-minute' })]);
    // The quota alert itself is never held by the quota it reports, even in a set with a new alert that is.
    await raiser.raise(tenantId, [raised[0]!, newAlert('m5')]);
    expect(heldBack.at(-1)?.raises.map((r) => r.model_id)).toEqual(['m5']);
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
  });

  it('puts a held job back in the queue, delayed, without spending an attempt', async () => {
    const prefix = `${config.values.queuePrefix}-${uniqueId('hold')}`;
    const queueName = 'alerts';
    const connection = new Redis(config.values.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName, { connection, prefix });
    const workerConnection = connection.duplicate({ maxRetriesPerRequest: null });
    let calls = 0;
    const until = Date.now() + 3_600_000;
    const holding = {
      handle: () => {
        calls += 1;
        return Promise.reject(new HoldJobUntil(until, 'over the quota'));
      },
    } as JobHandlerOf<typeof JOBS.raiseAlert>;
    const handlers = new Map([[JOBS.raiseAlert, holding]]) as Parameters<typeof processJob>[0];
    const worker = new Worker(queueName, (job: Job, token?: string) => processJob(handlers, job, token, new Logger('test')), { connection: workerConnection, prefix });
    try {
      const job = await queue.add(JOBS.raiseAlert, { held: true }, { attempts: 3 });
      await waitFor('the job to be delayed', async () => ((await queue.getJobState(job.id ?? '')) === 'delayed' ? true : undefined));
      const after = await queue.getJob(job.id ?? '');
      expect({ calls, attemptsMade: after?.attemptsMade, failedReason: after?.failedReason ?? null }).toEqual({ calls: 1, attemptsMade: 0, failedReason: null });
      // BullMQ orders delayed jobs by (due time << 12) plus a counter.
      const score = Number(await connection.zscore(`${prefix}:${queueName}:delayed`, job.id ?? ''));
      expect(Math.floor(score / 0x1000)).toBe(until);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      workerConnection.disconnect();
      connection.disconnect();
    }
  });
});
