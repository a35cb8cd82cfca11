import { JOBS, QUEUE_JOBS } from '@kanshi/contracts';
import { bullOptions, cappedBackoff, JOB_OPTIONS } from './job-options';
import { queueOf } from './job-queue';
import { checkHandlers, JobHandlerError } from './queue-workers';

describe('job options', () => {
  it('has options for every job of every queue, and a queue for every job', () => {
    for (const [queue, names] of Object.entries(QUEUE_JOBS)) {
      for (const name of names) {
        expect(queueOf(name)).toBe(queue);
        expect(JOB_OPTIONS[name].attempts).toBeGreaterThan(1);
      }
    }
  });

  it('adds the id, the delay, the priority and a channel’s own retry to a job’s defaults', () => {
    expect(bullOptions(JOBS.raiseAlerts, 'id-1')).toEqual({ ...JOB_OPTIONS[JOBS.raiseAlerts], jobId: 'id-1' });
    expect(bullOptions(JOBS.notifyGroup, 'g', -5, 3)).toEqual({ ...JOB_OPTIONS[JOBS.notifyGroup], jobId: 'g', priority: 3 });
    const delivery = bullOptions(JOBS.deliverNotification, 'n', 1000, undefined, { attempts: 2, backoffMs: 500 });
    expect(delivery).toMatchObject({ jobId: 'n', delay: 1000, attempts: 2, backoff: { type: 'exponential', delay: 500 } });
  });

  it('retries alert jobs with a backoff capped at a minute', () => {
    expect([1, 2, 3, 7, 8, 50].map(cappedBackoff)).toEqual([1000, 2000, 4000, 60_000, 60_000, 60_000]);
  });
});

describe('checkHandlers', () => {
  const handler = { handle: () => Promise.resolve() };
  const all = () => new Map(Object.values(QUEUE_JOBS).flat().map((name) => [name as string, [handler]]));

  it('maps each job to its one handler', () => {
    expect(checkHandlers(all()).get(JOBS.raiseAlerts)).toBe(handler);
  });

  it('names every job without a handler, with two, and every handler of a job no queue carries', () => {
    const found = all();
    found.delete(JOBS.alertClock);
    found.set(JOBS.raiseAlert, [handler, handler]);
    found.set('alert.unknown', [handler]);
    const check = () => checkHandlers(found);
    expect(check).toThrow(JobHandlerError);
    expect(check).toThrow(/job "alert\.raise" has 2 handlers[\s\S]*job "alert\.clock" has 0 handlers[\s\S]*"alert\.unknown", which no queue carries/);
  });
});
