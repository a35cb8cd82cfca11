import type { JobsOptions } from 'bullmq';
import { JOBS, type JobName } from '@kanshi/contracts';
import type { JobRetry } from './job-queue';

/** Backoff type of jobs that retry until they succeed: exponential from one second, capped at one minute. */
export const CAPPED_BACKOFF = 'kanshi-capped';

/** Delay before the next attempt of a job that failed `attemptsMade` times ({@link CAPPED_BACKOFF}). */
export function cappedBackoff(attemptsMade: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

const KEEP_COMPLETED = { age: 24 * 3600, count: 100_000 };
const KEEP_FAILED = { age: 14 * 24 * 3600 };

/**
 * Alert jobs retry until the database takes them: their Kafka offsets are already committed, so
 * giving up would lose the alert (only data the database can never store fails for good, see
 * `processJob`). Timed jobs retry the same way: a lost escalation or deadline is a missed duty.
 * While a finished job is kept (a day), queuing the same id again is a no-op; after that the
 * database's unique keys and the handlers' own checks make a replay harmless.
 */
const UNTIL_DONE: JobsOptions = {
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: CAPPED_BACKOFF },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_FAILED,
};

/** The options of every job, by name: the one place they are set. */
export const JOB_OPTIONS: { readonly [N in JobName]: JobsOptions } = {
  [JOBS.raiseAlert]: UNTIL_DONE,
  [JOBS.raiseAlerts]: UNTIL_DONE,
  // A lost clear would leave an alert open for ever.
  [JOBS.clearAlert]: UNTIL_DONE,
  // Removed once done, so the group can be asked for again at any time.
  [JOBS.notifyGroup]: { ...UNTIL_DONE, removeOnComplete: true },
  // A channel's own retry settings replace these (see `JobRetry`); a failure is recorded and visible.
  [JOBS.deliverNotification]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 10_000, jitter: 0.3 },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  },
  [JOBS.escalateAlert]: UNTIL_DONE,
  [JOBS.alertClock]: UNTIL_DONE,
  [JOBS.remindSilence]: UNTIL_DONE,
  [JOBS.expireSilence]: UNTIL_DONE,
  // A bundle job records its own failure in its row (the person who asked sees why); a worker
  // that dies mid-way leaves the job stalled, and BullMQ runs it again from the start.
  [JOBS.exportBundle]: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
};

/** BullMQ options of one job: its name's, with its id, delay, priority and retry. */
export function bullOptions(name: JobName, id: string, delayMs?: number, priority?: number, retry?: JobRetry): JobsOptions {
  return {
    ...JOB_OPTIONS[name],
    jobId: id,
    ...(delayMs === undefined || delayMs <= 0 ? {} : { delay: delayMs }),
    ...(priority === undefined ? {} : { priority }),
    ...(retry === undefined ? {} : { attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.3 } }),
  };
}
