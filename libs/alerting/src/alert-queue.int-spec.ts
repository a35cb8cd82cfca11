import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { JOBS, QUEUES, raiseAlertSetJobId, type RaiseAlertJob, type RaiseAlertSetJob } from '@kanshi/contracts';
import { ConfigModule, loadConfig } from '@kanshi/config';
import { PersistenceModule } from '@kanshi/persistence';
import { createTenantFixture, deleteQueueKeys, findingRecord, g1Fingerprint, raiseAlertJob, TcpFaultProxy, uniqueId, waitFor } from '@kanshi/testing';
import { AlertQueue } from './alert-queue.service';
import { AlertingModule } from './alerting.module';
import { JobHandler } from './job-handler.decorator';

const prefix = uniqueId('kanshi-test-q');
const config = loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: prefix });

function raiseJob(tenantId: string, count: number): RaiseAlertJob {
  const fingerprint = g1Fingerprint(tenantId, 'model-q');
  return raiseAlertJob(tenantId, 'model-q', Array.from({ length: count }, () => findingRecord(fingerprint)));
}

describe('alerts queue and worker (real Redis and PostgreSQL)', () => {
  const redis = new Redis(config.values.redisUrl);

  afterAll(async () => {
    await deleteQueueKeys(config.values.redisUrl, prefix);
    redis.disconnect();
  });

  it('stores a job enqueued twice once, and the worker turns it into one alert', async () => {
    const producer = new AlertQueue(config);
    const queue = new Queue(QUEUES.alerts, { connection: redis, prefix });
    const job = raiseJob(uniqueId('t'), 3);

    await producer.enqueue([job]);
    await producer.enqueue([{ ...job, findings: [...job.findings].reverse() }]);
    const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'delayed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);

    const worker = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot('kanshi-int-test'), AlertingModule.forWorker()],
    }).compile();
    const app = worker.createNestApplication();
    const dataSource = app.get(DataSource);
    await createTenantFixture(dataSource, job.tenant_id);
    await app.init();
    try {
      const row = await waitFor('the alert', async () => {
        const [found] = await dataSource.query<{ occurrence_count: number }[]>(
          'SELECT occurrence_count FROM alerts WHERE tenant_id = $1',
          [job.tenant_id],
        );
        return found;
      });
      expect(row.occurrence_count).toBe(3);
      await waitFor('the job to complete', async () => ((await queue.getJobCounts('completed')).completed === 1 ? true : undefined));
    } finally {
      await app.close();
      await producer.onApplicationShutdown();
      await queue.close();
    }
  });

  it('puts a tenant’s jobs past its fair share of the minute behind another tenant’s, in a real BullMQ', async () => {
    const fairPrefix = uniqueId('kanshi-test-fair');
    const producer = new AlertQueue(loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: fairPrefix, KANSHI_ALERT_JOBS_FAIR_SHARE_PER_MINUTE: '5' }));
    const flooder = uniqueId('flooder');
    const victim = uniqueId('victim');
    const jobOf = (tenantId: string, i: number) => raiseAlertJob(tenantId, `model-${i}`, [findingRecord(g1Fingerprint(tenantId, `model-${i}`))]);
    const taken: string[] = [];
    let worker: Worker | undefined;
    const workerConnection = new Redis(config.values.redisUrl, { maxRetriesPerRequest: null });
    try {
      // One set per engine batch of one alert each (a set counts each alert it carries).
      for (let i = 0; i < 20; i += 1) await producer.enqueue([jobOf(flooder, i)]);
      // The victim a little over its own share: its sixth job still goes before the flood's rest.
      for (let i = 0; i < 6; i += 1) await producer.enqueue([jobOf(victim, i)]);
      worker = new Worker(
        QUEUES.alerts,
        (job) => {
          taken.push((job.data as RaiseAlertSetJob).tenant_id === victim ? 'victim' : 'flooder');
          return Promise.resolve();
        },
        { connection: workerConnection, prefix: fairPrefix, concurrency: 1 },
      );
      await waitFor('every job taken', () => Promise.resolve(taken.length === 26 ? true : undefined));
      // Both shares first (in the order queued); past them, the jobs one share over (the flood's
      // queued first, then the victim's); then the flood's two and three shares over.
      const times = (name: string, n: number) => Array<string>(n).fill(name);
      expect(taken).toEqual([...times('flooder', 5), ...times('victim', 5), ...times('flooder', 5), 'victim', ...times('flooder', 10)]);
    } finally {
      await worker?.close();
      workerConnection.disconnect();
      await producer.onApplicationShutdown();
      await deleteQueueKeys(config.values.redisUrl, fairPrefix);
    }
  });

  it('never puts a tenant’s critical finding behind its own storm of lesser ones', async () => {
    const lanePrefix = uniqueId('kanshi-test-lane');
    const producer = new AlertQueue(loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: lanePrefix, KANSHI_ALERT_JOBS_FAIR_SHARE_PER_MINUTE: '5' }));
    const tenantId = uniqueId('storm');
    const raiseOf = (i: number, severity: 'high' | 'critical') => raiseAlertJob(tenantId, `model-${i}`, [findingRecord(g1Fingerprint(tenantId, `model-${i}`), severity)]);
    const taken: string[] = [];
    let worker: Worker | undefined;
    const workerConnection = new Redis(config.values.redisUrl, { maxRetriesPerRequest: null });
    try {
      for (let i = 0; i < 20; i += 1) await producer.enqueue([raiseOf(i, 'high')]);
      await producer.enqueue([raiseOf(100, 'high'), raiseOf(101, 'critical')]);
      worker = new Worker(
        QUEUES.alerts,
        (job) => {
          const set = job.data as RaiseAlertSetJob;
          taken.push(set.raises.some((r) => r.findings.some((f) => f.severity === 'critical')) ? 'critical' : 'storm');
          return Promise.resolve();
        },
        { connection: workerConnection, prefix: lanePrefix, concurrency: 1 },
      );
      await waitFor('every job taken', () => Promise.resolve(taken.length === 22 ? true : undefined));
      // Its share of lesser sets first, then the critical one (a set of its own), then the rest of the storm.
      expect(taken.indexOf('critical')).toBe(5);
      expect(taken.filter((t) => t === 'critical')).toHaveLength(1);
    } finally {
      await worker?.close();
      workerConnection.disconnect();
      await producer.onApplicationShutdown();
      await deleteQueueKeys(config.values.redisUrl, lanePrefix);
    }
  });

  it('refuses to start a worker when a job type has two handlers', async () => {
    @Injectable()
    @JobHandler(JOBS.raiseAlert)
    class SecondRaiseHandler {
      handle(): Promise<void> {
        return Promise.resolve();
      }
    }
    @Module({ providers: [SecondRaiseHandler] })
    class ExtraModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot('kanshi-int-test'), AlertingModule.forWorker(), ExtraModule],
    }).compile();
    const app = moduleRef.createNestApplication();
    await expect(app.init()).rejects.toThrow(/job "alert\.raise" has 2 handlers/);
    await app.close();
  });

  it('rides out a Redis outage: enqueue fails while Redis is away, its errors are logged once instead of printed raw, and it enqueues again after', async () => {
    const target = new URL(config.values.redisUrl);
    const proxy = await TcpFaultProxy.start({ targetHost: target.hostname, targetPort: Number(target.port || 6379) });
    const producer = new AlertQueue(loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: prefix, KANSHI_REDIS_URL: proxy.proxiedUrl(config.values.redisUrl) }));
    const queue = new Queue(QUEUES.alerts, { connection: redis, prefix });
    const raw = jest.spyOn(console, 'error');
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const tenantId = uniqueId('t');
      await producer.enqueue([raiseJob(tenantId, 1)]);
      proxy.cut();
      const held = raiseJob(tenantId, 2);
      // Each attempt fails within a few reconnects instead of waiting for Redis for ever.
      for (let attempt = 0; attempt < 3; attempt++) await expect(producer.enqueue([held])).rejects.toThrow();
      expect(raw).not.toHaveBeenCalled();
      expect(logged.mock.calls.map(([message]) => String(message)).filter((m) => m.startsWith('Redis (alert queue) failed'))).toHaveLength(1);

      proxy.restore();
      await waitFor('enqueue to work again', () => producer.enqueue([held]).then(() => true, () => undefined));
      expect((await queue.getJob(raiseAlertSetJobId([held])))?.data).toEqual({ tenant_id: tenantId, raises: [held] });
    } finally {
      raw.mockRestore();
      logged.mockRestore();
      await producer.onApplicationShutdown();
      await queue.close();
      await proxy.close();
    }
  });
});
