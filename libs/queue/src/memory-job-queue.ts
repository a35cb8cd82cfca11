import type { JobName } from '@kanshi/contracts';
import type { JobContext, JobHandlerOf } from './job-handler.decorator';
import { JobQueue, queueOf, type QueuedJob, type QueuedJobOf } from './job-queue';

/** A job the in-memory queue holds: as queued, with when it is due. */
export type HeldJob = QueuedJob & { readonly dueAt: number };

/**
 * The in-memory driver of {@link JobQueue}, for unit tests: it keeps the jobs in the order they
 * were queued, ignores a job whose id its queue already holds (as BullMQ does while a job is
 * kept), and runs the due ones through handlers on demand, on a clock the test sets.
 */
export class MemoryJobQueue extends JobQueue {
  private readonly held: HeldJob[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly clock: () => number = Date.now) {
    super();
  }

  add(jobs: readonly QueuedJob[]): Promise<void> {
    for (const job of jobs) {
      const key = `${queueOf(job.name)}\u0000${job.id}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.held.push({ ...job, dueAt: this.clock() + Math.max(0, job.delayMs ?? 0) });
    }
    return Promise.resolve();
  }

  /** Every job queued and not yet run, in the order queued. */
  jobs(): readonly HeldJob[] {
    return [...this.held];
  }

  /** The jobs of one name, not yet run. */
  jobsNamed<N extends JobName>(name: N): (QueuedJobOf<N> & { readonly dueAt: number })[] {
    return this.held.filter((j) => j.name === name) as (QueuedJobOf<N> & { readonly dueAt: number })[];
  }

  /**
   * Runs the jobs due at the clock's time through their handlers, in the order they fall due,
   * including those the handlers queue meanwhile; answers how many ran. A handler's error
   * propagates (the job stays run: the test decides what a retry means).
   */
  async runDue(handlers: Partial<{ readonly [N in JobName]: JobHandlerOf<N> }>): Promise<number> {
    let ran = 0;
    for (;;) {
      const now = this.clock();
      const next = this.held.filter((j) => j.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!next) return ran;
      this.held.splice(this.held.indexOf(next), 1);
      const handler: JobHandlerOf<JobName> | undefined = handlers[next.name];
      if (!handler) throw new Error(`no handler for job "${next.name}"`);
      const context: JobContext = { jobId: next.id, attempt: 1, maxAttempts: next.retry?.attempts ?? 1 };
      await handler.handle(next.data, context);
      ran += 1;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
