import type { Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { Registry } from 'prom-client';
import { JOBS, QUEUES, type JobName, type QueueName } from '@kanshi/contracts';
import { HoldJobUntil } from './hold-job-until';
import type { JobHandlerOf } from './job-handler.decorator';
import { DEPTH_STATES, QueueMetrics, type DepthState, type JobCounts } from './queue-metrics';
import { processJob } from './queue-workers';

/** The value of one series of the registry: a counter's or a gauge's, or a histogram's `_count`. */
async function valueOf(registry: Registry, name: string, labels: Record<string, string>, suffix = ''): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const wanted = Object.entries(labels);
  return values.find(
    (v) => ((v as { metricName?: string }).metricName ?? name) === `${name}${suffix}` && Object.keys(v.labels).length === wanted.length && wanted.every(([k, l]) => v.labels[k] === l),
  )?.value;
}

/** A BullMQ job as `processJob` reads it; `moved` records where a held job went back to. */
function jobOf(name: JobName, moved: unknown[][] = []): Job {
  return { name, data: {}, id: 'job-1', attemptsMade: 0, opts: { attempts: 3 }, moveToDelayed: (...args: unknown[]) => Promise.resolve(void moved.push(args)) } as unknown as Job;
}

const silent = { log: () => undefined, error: () => undefined, warn: () => undefined } as unknown as Logger;

describe('QueueMetrics: handler runs', () => {
  const durations = 'kanshi_queue_job_duration_seconds';

  async function run(handle: () => Promise<void>, name: JobName = JOBS.clearAlert) {
    const registry = new Registry();
    const metrics = new QueueMetrics(registry);
    const handlers = new Map<JobName, JobHandlerOf<JobName>>([[name, { handle }]]);
    const moved: unknown[][] = [];
    const error = await processJob(handlers, jobOf(name, moved), 'token', silent, metrics).then(() => undefined, (e: unknown) => e);
    const counted = async (outcome: string) => valueOf(registry, durations, { queue: QUEUES.alerts, job_name: name, outcome }, '_count');
    return { error, moved, counted };
  }

  it('times a handler that completes as completed', async () => {
    const { error, counted } = await run(() => Promise.resolve());
    expect(error).toBeUndefined();
    expect([await counted('completed'), await counted('failed'), await counted('held')]).toEqual([1, undefined, undefined]);
  });

  it('times a handler that throws as failed, and the error still reaches BullMQ (which retries)', async () => {
    const { error, counted } = await run(() => Promise.reject(new Error('database away')));
    expect((error as Error).message).toBe('database away');
    expect([await counted('completed'), await counted('failed'), await counted('held')]).toEqual([undefined, 1, undefined]);
  });

  it('times a handler held back by a quota as held, and the job goes back to the queue delayed', async () => {
    const until = Date.now() + 60_000;
    const { error, moved, counted } = await run(() => Promise.reject(new HoldJobUntil(until, 'over the quota')));
    expect(error).toBeInstanceOf(DelayedError);
    expect(moved).toEqual([[until, 'token']]);
    expect([await counted('completed'), await counted('failed'), await counted('held')]).toEqual([undefined, undefined, 1]);
  });

  it('labels a run with the queue of its job', async () => {
    const registry = new Registry();
    const metrics = new QueueMetrics(registry);
    const handlers = new Map<JobName, JobHandlerOf<JobName>>([[JOBS.deliverNotification, { handle: () => Promise.resolve() }]]);
    await processJob(handlers, jobOf(JOBS.deliverNotification), undefined, silent, metrics);
    expect(await valueOf(registry, durations, { queue: QUEUES.notifications, job_name: JOBS.deliverNotification, outcome: 'completed' }, '_count')).toBe(1);
  });
});

describe('QueueMetrics: jobs queued', () => {
  it('counts jobs by queue and job name, every known pair showing from the start at 0', async () => {
    const registry = new Registry();
    const metrics = new QueueMetrics(registry);
    const enqueued = (queue: QueueName, job: JobName) => valueOf(registry, 'kanshi_queue_jobs_enqueued_total', { queue, job_name: job });
    expect(await enqueued(QUEUES.escalations, JOBS.expireSilence)).toBe(0);

    metrics.enqueued([
      { name: JOBS.clearAlert, id: 'a', data: {} as never },
      { name: JOBS.clearAlert, id: 'b', data: {} as never },
      { name: JOBS.deliverNotification, id: 'c', data: {} as never },
    ]);

    expect([await enqueued(QUEUES.alerts, JOBS.clearAlert), await enqueued(QUEUES.notifications, JOBS.deliverNotification), await enqueued(QUEUES.alerts, JOBS.raiseAlerts)]).toEqual([2, 1, 0]);
  });
});

describe('QueueMetrics: queue depths read at scrape time', () => {
  const depth = (registry: Registry, queue: QueueName, state: DepthState) => valueOf(registry, 'kanshi_queue_jobs', { queue, state });

  it('reports each queue × state from the counts source when scraped, and again fresh at the next scrape', async () => {
    const registry = new Registry();
    let waiting = 7;
    const asked: [QueueName, readonly DepthState[]][] = [];
    const source: JobCounts = {
      jobCounts: (queue, states) => {
        asked.push([queue, states]);
        return Promise.resolve(queue === QUEUES.alerts ? { waiting, prioritized: 3, delayed: 2, active: 1, failed: 0 } : {});
      },
    };
    new QueueMetrics(registry).watchDepths(source, silent);

    await registry.metrics();
    // One read per queue and scrape, of every state at once.
    expect(asked.map(([queue]) => queue).sort()).toEqual(Object.values(QUEUES).sort());
    expect(asked[0]?.[1]).toEqual(DEPTH_STATES);
    expect(await Promise.all(DEPTH_STATES.map((s) => depth(registry, QUEUES.alerts, s)))).toEqual([7, 3, 2, 1, 0]);
    expect(await depth(registry, QUEUES.evidence, 'waiting')).toBe(0);

    waiting = 40;
    expect(await registry.metrics()).toContain('kanshi_queue_jobs{queue="alerts",state="waiting"} 40');
  });

  it('leaves out the queues Redis did not answer for (failed or too slow), serves the rest, and logs the outage', async () => {
    const registry = new Registry();
    const errors: string[] = [];
    const logger = { log: () => undefined, error: (m: string) => void errors.push(m) };
    let redisDown = false;
    const source: JobCounts = {
      jobCounts: (queue) => {
        if (redisDown && queue === QUEUES.alerts) return Promise.reject(new Error('Connection is closed.'));
        if (redisDown && queue === QUEUES.notifications) return new Promise(() => undefined);
        return Promise.resolve({ waiting: 5 });
      },
    };
    new QueueMetrics(registry).watchDepths(source, logger, 20);
    await registry.metrics();
    expect(await depth(registry, QUEUES.alerts, 'waiting')).toBe(5);

    redisDown = true;
    const text = await registry.metrics();

    expect(text).not.toContain('kanshi_queue_jobs{queue="alerts"');
    expect(text).not.toContain('kanshi_queue_jobs{queue="notifications"');
    expect(text).toContain('kanshi_queue_jobs{queue="escalations",state="waiting"} 5');
    expect(text).toContain('kanshi_queue_jobs_enqueued_total');
    expect(errors).toEqual([expect.stringContaining('Connection is closed.')]);
  });

  it('is registered once per process: a second depth source is refused', () => {
    const metrics = new QueueMetrics(new Registry());
    const source: JobCounts = { jobCounts: () => Promise.resolve({}) };
    metrics.watchDepths(source, silent);
    expect(() => metrics.watchDepths(source, silent)).toThrow(/registered already/);
  });

  it('is not in a producer’s registry (the engine’s, the API’s) until a worker host asks for it', async () => {
    const registry = new Registry();
    new QueueMetrics(registry);
    expect(await registry.metrics()).not.toContain('kanshi_queue_jobs{');
  });
});
