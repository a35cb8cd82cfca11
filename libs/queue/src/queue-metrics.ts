import { Injectable, Module } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QUEUE_JOBS, QUEUES, type JobName, type QueueName } from '@kanshi/contracts';
import { MetricsModule, OutageLog, type OutageLogger } from '@kanshi/runtime';
import { queueOf, type QueuedJob } from './job-queue';

/** The job states `kanshi_queue_jobs` reports: waiting to run (what KEDA scales on), running, failed for good. */
export const DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;
export type DepthState = (typeof DEPTH_STATES)[number];

/** How a handler's run ended; `held`: it threw `HoldJobUntil` (a tenant quota), and the job waits, delayed. */
export type JobOutcome = 'completed' | 'failed' | 'held';

/** Where the depth gauge reads how many jobs a queue holds in each state (the BullMQ driver, `BullJobQueue`). */
export interface JobCounts {
  jobCounts(queue: QueueName, states: readonly DepthState[]): Promise<Partial<Record<DepthState, number>>>;
}

/** A scrape must answer before Prometheus gives up on it (10 s by default), Redis or not. */
const DEPTH_READ_TIMEOUT_MS = 2_000;

/**
 * The queues' metrics in the app's registry: jobs queued (every app that queues), how long
 * handlers run (the worker), and, once the worker host asks for it, each queue's depth read from
 * BullMQ at scrape time. Labels are the queue and job names of the contracts: bounded. The job's
 * label is `job_name`: `job` is the label Prometheus gives every series of a scrape target.
 */
@Injectable()
export class QueueMetrics {
  private readonly enqueuedJobs: Counter<'queue' | 'job_name'>;
  private readonly durations: Histogram<'queue' | 'job_name' | 'outcome'>;
  private depths: Gauge<'queue' | 'state'> | undefined;

  constructor(private readonly registry: Registry) {
    const registers = [registry];
    this.enqueuedJobs = new Counter({
      name: 'kanshi_queue_jobs_enqueued_total',
      help: 'Jobs handed to BullMQ (counted once addBulk succeeded), by queue and job name. A job whose id the queue still holds counts too, though BullMQ keeps only the first.',
      labelNames: ['queue', 'job_name'],
      registers,
    });
    this.durations = new Histogram({
      name: 'kanshi_queue_job_duration_seconds',
      help: 'How long job handlers ran, by queue, job name and outcome (completed; failed: the attempt threw, retried or not; held: a tenant quota sent the job back, delayed).',
      labelNames: ['queue', 'job_name', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    for (const [queue, jobs] of Object.entries(QUEUE_JOBS)) for (const job of jobs) this.enqueuedJobs.inc({ queue, job_name: job }, 0);
  }

  /** Counts jobs BullMQ took. */
  enqueued(jobs: readonly QueuedJob[]): void {
    const counts = new Map<JobName, number>();
    for (const job of jobs) counts.set(job.name, (counts.get(job.name) ?? 0) + 1);
    for (const [job, n] of counts) this.enqueuedJobs.inc({ queue: queueOf(job), job_name: job }, n);
  }

  /** Starts timing a run of a `job` handler; call the answer with how the run ended. */
  startJob(job: JobName): (outcome: JobOutcome) => void {
    const end = this.durations.startTimer({ queue: queueOf(job), job_name: job });
    return (outcome) => void end({ outcome });
  }

  /**
   * Registers `kanshi_queue_jobs{queue,state}`, read from `source` at each scrape (once per
   * process: the worker host calls it). A queue whose read fails or takes over `timeoutMs` has
   * its series left out of that scrape, not its last values: a stale depth would look real to
   * KEDA and to alert rules (`absent()` shows the gap); the other queues and metrics are served.
   */
  watchDepths(source: JobCounts, logger: OutageLogger, timeoutMs = DEPTH_READ_TIMEOUT_MS): void {
    if (this.depths) throw new Error('kanshi_queue_jobs is registered already: one depth source per process');
    const outage = new OutageLog(logger, 'Reading queue depths from Redis');
    const read = (queue: QueueName) => within(source.jobCounts(queue, DEPTH_STATES), timeoutMs, `reading the depth of queue "${queue}" took over ${timeoutMs} ms`);
    this.depths = new Gauge({
      name: 'kanshi_queue_jobs',
      help: 'Jobs in each queue by state, read from BullMQ when scraped (every worker replica reports the same shared queues: aggregate with max, not sum). A queue Redis did not answer for is left out of that scrape.',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const queues = Object.values(QUEUES);
        const answers = await Promise.allSettled(queues.map(read));
        answers.forEach((answer, i) => {
          const queue = queues[i] as QueueName;
          for (const state of DEPTH_STATES) {
            if (answer.status === 'fulfilled') this.set({ queue, state }, answer.value[state] ?? 0);
            else this.remove({ queue, state });
          }
        });
        const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
        if (failed) outage.failed(failed.reason);
        else outage.succeeded();
      },
    });
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Provides {@link QueueMetrics} once per app, however many queue modules import it (a name registered twice would throw). */
@Module({ imports: [MetricsModule], providers: [QueueMetrics], exports: [QueueMetrics] })
export class QueueMetricsModule {}
