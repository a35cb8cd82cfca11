import { QUEUE_JOBS, type JobName, type JobPayloads, type QueueName } from '@kanshi/contracts';

/** How often, and how far apart, a job that fails is tried again; when absent, its name's defaults (see `JOB_OPTIONS`). */
export interface JobRetry {
  readonly attempts: number;
  /** Delay before the second attempt; each further one waits twice as long, with jitter. */
  readonly backoffMs: number;
}

/** One job to queue: its name (which decides its queue and its options), its payload and its deterministic id. */
export interface QueuedJobOf<N extends JobName> {
  readonly name: N;
  readonly data: JobPayloads[N];
  /** Deterministic: while a job of this id is kept in its queue, queuing it again is a no-op. */
  readonly id: string;
  /** Run no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
  /** BullMQ priority: jobs without one go first, then the lowest numbers. */
  readonly priority?: number;
  readonly retry?: JobRetry;
}

/** Any job, its payload typed by its name. */
export type QueuedJob = { [N in JobName]: QueuedJobOf<N> }[JobName];

/** The queue that carries jobs of `name` (see `QUEUE_JOBS` in the contracts). */
export function queueOf(name: JobName): QueueName {
  return QUEUE_OF.get(name) as QueueName;
}

const QUEUE_OF = new Map<JobName, QueueName>(
  (Object.entries(QUEUE_JOBS) as [QueueName, readonly JobName[]][]).flatMap(([queue, names]) => names.map((name) => [name, queue] as const)),
);

/**
 * Where Kanshi puts jobs: the one port to the queues. The BullMQ driver (`BullJobQueue`) runs in
 * the apps; the in-memory one (`MemoryJobQueue`) in unit tests. Used as the injection token.
 */
export abstract class JobQueue {
  /**
   * Queues the jobs, each on the queue its name belongs to, with its name's options; resolves once
   * every one is stored (and rejects, having stored none or some, if the queue is unreachable:
   * job ids make the retry harmless).
   */
  abstract add(jobs: readonly QueuedJob[]): Promise<void>;

  abstract close(): Promise<void>;
}
