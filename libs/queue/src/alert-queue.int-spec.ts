import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { JOBS, QUEUES, raiseAlertSetJobId, type JobName, type RaiseAlertJob, type RaiseAlertSetJob } from '@kanshi/contracts';
import { ConfigModule, loadConfig } from '@kanshi/config';
import { deleteQueueKeys, findingRecord, g1Fingerprint, raiseAlertJob, TcpFaultProxy, uniqueId, waitFor } from '@kanshi/testing';
import { AlertQueue } from './alert-queue.service';
import { BullJobQueue } from './bull-job-queue';
import { HoldJobUntil } from './hold-job-until';
import { JobHandler, type JobHandlerOf } from './job-handler.decorator';
import { QueueInspector } from './queue-inspector';
import { QueueMetrics } from './queue-metrics';
import { QueueModule } from './queue.module';
import { startQueueWorkers, type QueueWorkers } from './queue-workers';

const prefix = uniqueId('kanshi-test-q');
const config = loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: prefix });

function raiseJob(tenantId: string, count: number): RaiseAlertJob {
  const fingerprint = g1Fingerprint(tenantId, 'model-q');
  return raiseAlertJob(tenantId, 'model-q', Array.from({ length: count }, () => findingRecord(fingerprint)));
}

/** The engine's producer on a prefix of its own, with a fair share of 5 alerts a minute. */
function producerOn(queuePrefix: string, redisUrl = config.values.redisUrl) {
  const jobs = new BullJobQueue(redisUrl, queuePrefix);
  const producer = new AlertQueue(jobs, loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: queuePrefix, KANSHI_ALERT_JOBS_FAIR_SHARE_PER_MINUTE: '5' }));
  return { producer, jobs };
}

/** Runs the alerts queue of `queuePrefix` one job at a time, recording what `label` makes of each set. */
function takeInOrder(queuePrefix: string, label: (set: RaiseAlertSetJob) => string): Promise<{ taken: string[]; workers: QueueWorkers }> {
  const taken: string[] = [];
  const record = { handle: (set: RaiseAlertSetJob) => Promise.resolve(void taken.push(label(set))) } as JobHandlerOf<typeof JOBS.raiseAlerts>;
  const handlers = new Map<JobName, JobHandlerOf<JobName>>([[JOBS.raiseAlerts, record]]);
  return startQueueWorkers(handlers, { redisUrl: config.values.redisUrl, prefix: queuePrefix, concurrency: () => 1, logger: new Logger('test'), queues: [QUEUES.alerts] }).then(
    (workers) => ({ taken, workers }),
  );
}

describe('the alerts queue (real Redis)', () => {
  afterAll(async () => {
    await deleteQueueKeys(config.values.redisUrl, prefix);
  });

  it('stores a set enqueued twice (its raises in another order) once', async () => {
    const { producer, jobs } = producerOn(prefix);
    const inspector = new QueueInspector(config.values.redisUrl, prefix);
    try {
      const job = raiseJob(uniqueId('t'), 3);
      await producer.enqueue([job]);
      await producer.enqueue([{ ...job, findings: [...job.findings].reverse() }]);
      const counts = await inspector.counts(QUEUES.alerts, 'waiting', 'active', 'completed', 'delayed', 'prioritized');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
      expect((await inspector.job(QUEUES.alerts, raiseAlertSetJobId([job])))?.name).toBe(JOBS.raiseAlerts);
    } finally {
      await jobs.close();
      await inspector.close();
    }
  });

  it('puts a tenant’s jobs past its fair share of the minute behind another tenant’s, in a real BullMQ', async () => {
    const fairPrefix = uniqueId('kanshi-test-fair');
    const { producer, jobs } = producerOn(fairPrefix);
    const flooder = uniqueId('flooder');
    const victim = uniqueId('victim');
    const jobOf = (tenantId: string, i: number) => raiseAlertJob(tenantId, `model-${i}`, [findingRecord(g1Fingerprint(tenantId, `model-${i}`))]);
    let run: { taken: string[]; workers: QueueWorkers } | undefined;
    try {
      // One set per engine batch of one alert each (a set counts each alert it carries).
      for (let i = 0; i < 20; i += 1) await producer.enqueue([jobOf(flooder, i)]);
      // The victim a little over its own share: its sixth job still goes before the flood's rest.
      for (let i = 0; i < 6; i += 1) await producer.enqueue([jobOf(victim, i)]);
      run = await takeInOrder(fairPrefix, (set) => (set.tenant_id === victim ? 'victim' : 'flooder'));
      const { taken } = run;
      await waitFor('every job taken', () => Promise.resolve(taken.length === 26 ? true : undefined));
      // Both shares first (in the order queued); past them, the jobs one share over (the flood's
      // queued first, then the victim's); then the flood's two and three shares over.
      const times = (name: string, n: number) => Array<string>(n).fill(name);
      expect(taken).toEqual([...times('flooder', 5), ...times('victim', 5), ...times('flooder', 5), 'victim', ...times('flooder', 10)]);
    } finally {
      await run?.workers.close();
      await jobs.close();
      await deleteQueueKeys(config.values.redisUrl, fairPrefix);
    }
  });

  it('never puts a tenant’s critical finding behind its own storm of lesser ones', async () => {
    const lanePrefix = uniqueId('kanshi-test-lane');
    const { producer, jobs } = producerOn(lanePrefix);
    const tenantId = uniqueId('storm');
    const raiseOf = (i: number, severity: 'high' | 'critical') => raiseAlertJob(tenantId, `model-${i}`, [findingRecord(g1Fingerprint(tenantId, `model-${i}`), severity)]);
    let run: { taken: string[]; workers: QueueWorkers } | undefined;
    try {
      for (let i = 0; i < 20; i += 1) await producer.enqueue([raiseOf(i, 'high')]);
      await producer.enqueue([raiseOf(100, 'high'), raiseOf(101, 'critical')]);
      run = await takeInOrder(lanePrefix, (set) => (set.raises.some((r) => r.findings.some((f) => f.severity === 'critical')) ? 'critical' : 'storm'));
      const { taken } = run;
      await waitFor('every job taken', () => Promise.resolve(taken.length === 22 ? true : undefined));
      // Its share of lesser sets first, then the critical one (a set of its own), then the rest of the storm.
      expect(taken.indexOf('critical')).toBe(5);
      expect(taken.filter((t) => t === 'critical')).toHaveLength(1);
    } finally {
      await run?.workers.close();
      await jobs.close();
      await deleteQueueKeys(config.values.redisUrl, lanePrefix);
    }
  });

  it('puts a held job back in the queue, delayed, without spending an attempt', async () => {
    const holdPrefix = uniqueId('kanshi-test-hold');
    const jobs = new BullJobQueue(config.values.redisUrl, holdPrefix);
    const inspector = new QueueInspector(config.values.redisUrl, holdPrefix);
    let calls = 0;
    const until = Date.now() + 3_600_000;
    const holding = {
      handle: () => {
        calls += 1;
        return Promise.reject(new HoldJobUntil(until, 'over the quota'));
      },
    } as JobHandlerOf<typeof JOBS.raiseAlert>;
    const workers = await startQueueWorkers(new Map([[JOBS.raiseAlert, holding]]), {
      redisUrl: config.values.redisUrl,
      prefix: holdPrefix,
      concurrency: () => 1,
      logger: new Logger('test'),
      queues: [QUEUES.alerts],
    });
    try {
      const job = raiseJob(uniqueId('t'), 1);
      await jobs.add([{ name: JOBS.raiseAlert, data: job, id: 'held-job', retry: { attempts: 3, backoffMs: 1000 } }]);
      await waitFor('the job to be delayed', async () => ((await inspector.state(QUEUES.alerts, 'held-job')) === 'delayed' ? true : undefined));
      const after = await inspector.job(QUEUES.alerts, 'held-job');
      expect({ calls, attemptsMade: after?.attemptsMade, failedReason: after?.failedReason ?? null }).toEqual({ calls: 1, attemptsMade: 0, failedReason: null });
      expect(await inspector.dueAt(QUEUES.alerts, 'held-job')).toBe(until);
    } finally {
      await workers.close();
      await jobs.close();
      await inspector.close();
      await deleteQueueKeys(config.values.redisUrl, holdPrefix);
    }
  });

  it('counts the jobs it queues, and reads each queue’s depth by state for the gauge scraped from the worker', async () => {
    const depthPrefix = uniqueId('kanshi-test-depth');
    const registry = new Registry();
    const metrics = new QueueMetrics(registry);
    const jobs = new BullJobQueue(config.values.redisUrl, depthPrefix, undefined, metrics);
    try {
      const job = raiseJob(uniqueId('t'), 1);
      await jobs.add([
        { name: JOBS.raiseAlert, data: job, id: 'now' },
        { name: JOBS.raiseAlert, data: job, id: 'later', delayMs: 3_600_000 },
        { name: JOBS.raiseAlert, data: job, id: 'ranked', priority: 5 },
        { name: JOBS.clearAlert, data: { tenant_id: job.tenant_id, model_id: 'model-q', rule_id: 'G1', scope: job.scope, fingerprint: job.fingerprint, cleared_at: new Date().toISOString(), clear_for_ms: 0 }, id: 'clear' },
      ]);
      metrics.watchDepths(jobs, new Logger('test'));

      const text = await registry.metrics();

      expect(text).toContain('kanshi_queue_jobs_enqueued_total{queue="alerts",job_name="alert.raise"} 3');
      expect(text).toContain('kanshi_queue_jobs_enqueued_total{queue="alerts",job_name="alert.clear"} 1');
      for (const [state, n] of Object.entries({ waiting: 2, prioritized: 1, delayed: 1, active: 0, failed: 0 })) {
        expect(text).toContain(`kanshi_queue_jobs{queue="alerts",state="${state}"} ${n}`);
      }
      expect(text).toContain('kanshi_queue_jobs{queue="notifications",state="waiting"} 0');
    } finally {
      await jobs.close();
      await deleteQueueKeys(config.values.redisUrl, depthPrefix);
    }
  });

  it('refuses to start a worker when a job type has two handlers', async () => {
    @Injectable()
    @JobHandler(JOBS.raiseAlert)
    class FirstRaiseHandler {
      handle(): Promise<void> {
        return Promise.resolve();
      }
    }
    @Injectable()
    @JobHandler(JOBS.raiseAlert)
    class SecondRaiseHandler {
      handle(): Promise<void> {
        return Promise.resolve();
      }
    }
    @Module({ providers: [FirstRaiseHandler, SecondRaiseHandler] })
    class HandlersModule {}

    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), QueueModule.forWorker(), HandlersModule] }).compile();
    const app = moduleRef.createNestApplication();
    await expect(app.init()).rejects.toThrow(/job "alert\.raise" has 2 handlers[\s\S]*job "notification\.deliver" has 0 handlers/);
    await app.close();
  });

  it('rides out a Redis outage: enqueue fails while Redis is away, its errors are logged once instead of printed raw, and it enqueues again after', async () => {
    const target = new URL(config.values.redisUrl);
    const proxy = await TcpFaultProxy.start({ targetHost: target.hostname, targetPort: Number(target.port || 6379) });
    const { producer, jobs } = producerOn(prefix, proxy.proxiedUrl(config.values.redisUrl));
    const inspector = new QueueInspector(config.values.redisUrl, prefix);
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
      expect(logged.mock.calls.map(([message]) => String(message)).filter((m) => m.startsWith('Redis (queues) failed'))).toHaveLength(1);

      proxy.restore();
      await waitFor('enqueue to work again', () => producer.enqueue([held]).then(() => true, () => undefined));
      expect((await inspector.job(QUEUES.alerts, raiseAlertSetJobId([held])))?.data).toEqual({ tenant_id: tenantId, raises: [held] });
    } finally {
      raw.mockRestore();
      logged.mockRestore();
      await jobs.close();
      await inspector.close();
      await proxy.close();
    }
  });
});
