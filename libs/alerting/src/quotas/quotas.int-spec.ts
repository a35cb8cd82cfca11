import { Logger } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { JOBS, type RaiseAlertJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { AlertRepository, createDataSource } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId, waitFor } from '@kanshi/testing';
import type { AlertFollowUps } from '../alert-follow-ups.service';
import type { AlertQueue } from '../alert-queue.service';
import type { JobHandlerOf } from '../job-handler.decorator';
import { RaiseAlertJobHandler } from '../jobs/raise-alert.job';
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

  it('holds back a new alert past the quota, raises the tenant’s quota alert, and never holds findings of an existing alert', async () => {
    const { tenantId } = await createTenantFixture(dataSource, uniqueId('quota-alerts'));
    const raised: RaiseAlertJob[] = [];
    const handler = new RaiseAlertJobHandler(
      new AlertRepository(dataSource),
      { afterAlertChange: () => Promise.resolve() } as unknown as AlertFollowUps,
      counter,
      { enqueue: (jobs: readonly RaiseAlertJob[]) => Promise.resolve(void raised.push(...jobs)) } as unknown as AlertQueue,
      config,
    );
    const newAlert = (model: string) => raiseAlertJob(tenantId, model, [findingRecord(g1Fingerprint(tenantId, model), 'high')]);
    const count = async () => (await dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM alerts WHERE tenant_id = $1 AND rule_id = 'G1'`, [tenantId]))[0]?.n;

    await handler.handle(newAlert('m1'));
    await handler.handle(newAlert('m2'));
    const held = await handler.handle(newAlert('m3')).catch((error: unknown) => error);

    expect(held).toBeInstanceOf(HoldJobUntil);
    expect((held as HoldJobUntil).until % 60_000).toBe(0);
    expect(await count()).toBe('2');
    expect(raised).toEqual([expect.objectContaining({ tenant_id: tenantId, rule_id: QUOTA_RULE_ID, scope: 'alert-creations-per-minute' })]);
    // The quota alert itself is never held by the quota it reports.
    await handler.handle(raised[0]!);
    // A new finding of an alert that exists goes through.
    await handler.handle(newAlert('m1'));
    const rows = await dataSource.query<{ rule_id: string; occurrence_count: number }[]>(
      `SELECT rule_id, occurrence_count FROM alerts WHERE tenant_id = $1 ORDER BY rule_id, model_id`,
      [tenantId],
    );
    expect(rows).toEqual([
      { rule_id: 'G1', occurrence_count: 2 },
      { rule_id: 'G1', occurrence_count: 1 },
      { rule_id: QUOTA_RULE_ID, occurrence_count: 1 },
    ]);
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
