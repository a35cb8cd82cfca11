import { QUEUES, type ClearAlertJob, type RaiseAlertJob, type RaiseAlertSetJob } from '@kanshi/contracts';
import { QueueInspector } from '@kanshi/queue';

export interface JobTiming {
  /** When the engine added the job (BullMQ `timestamp`, the engine's clock). */
  readonly enqueuedAt: number;
  /** When the worker took it (BullMQ `processedOn`, the worker's clock). */
  readonly processedOn: number;
}

/**
 * Where the time of some alerts went: the timestamps of the jobs that raised them (completed jobs are
 * kept, see JOB_OPTIONS), by the name `pick` gives a job (skipped when it gives none).
 * With the alert row's `created_at` this splits producer → job added (Kafka and the engine),
 * added → taken (the queue), taken → row (the worker).
 */
export async function jobTimings(redisUrl: string, queuePrefix: string, pick: (job: RaiseAlertJob) => string | undefined): Promise<Map<string, JobTiming>> {
  const queues = new QueueInspector(redisUrl, queuePrefix);
  const timings = new Map<string, JobTiming>();
  try {
    const completed = (await queues.counts(QUEUES.alerts, 'completed'))['completed'] ?? 0;
    const page = 1000;
    for (let start = 0; start < completed; start += page) {
      const jobs = await queues.jobs(QUEUES.alerts, ['completed'], start, start + page - 1, true);
      if (jobs.length === 0) break;
      for (const job of jobs) {
        const data = job.data as RaiseAlertSetJob | RaiseAlertJob | ClearAlertJob;
        const raises = 'raises' in data ? data.raises : 'findings' in data ? [data] : [];
        if (job.processedOn === undefined) continue;
        for (const raise of raises) {
          const name = pick(raise);
          if (name === undefined) continue;
          const before = timings.get(name);
          // A retried or repeated job: the first one made the row.
          if (!before || job.queuedAt < before.enqueuedAt) timings.set(name, { enqueuedAt: job.queuedAt, processedOn: job.processedOn });
        }
      }
    }
    return timings;
  } finally {
    await queues.close();
  }
}

/** The three parts of each alert's latency (ms), for the alerts with both a job and a row. */
export function latencyParts(sentAt: ReadonlyMap<string, number>, jobs: ReadonlyMap<string, JobTiming>, created: ReadonlyMap<string, number>): { engine: number[]; queue: number[]; worker: number[] } {
  const parts = { engine: [] as number[], queue: [] as number[], worker: [] as number[] };
  for (const [name, at] of sentAt) {
    const job = jobs.get(name);
    const row = created.get(name);
    if (!job || row === undefined) continue;
    parts.engine.push(job.enqueuedAt - at);
    parts.queue.push(job.processedOn - job.enqueuedAt);
    parts.worker.push(row - job.processedOn);
  }
  return parts;
}
