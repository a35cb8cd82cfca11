import { JOBS, type SilenceTimerJob } from '@kanshi/contracts';
import type { JobHandlerOf } from './job-handler.decorator';
import { MemoryJobQueue } from './memory-job-queue';

describe('MemoryJobQueue', () => {
  const T0 = Date.parse('2026-12-07T09:00:00Z');
  const timer = (silenceId: string): SilenceTimerJob => ({ tenant_id: 't', silence_id: silenceId, ends_at: new Date(T0).toISOString() });

  it('keeps one job per id and queue, as BullMQ does while a job is kept', async () => {
    const queue = new MemoryJobQueue(() => T0);
    await queue.add([{ name: JOBS.expireSilence, data: timer('a'), id: 'x' }]);
    await queue.add([
      { name: JOBS.expireSilence, data: timer('b'), id: 'x' },
      // Same id on another queue: another job.
      { name: JOBS.notifyGroup, data: { tenant_id: 't', model_id: 'm', severity: 'high' }, id: 'x' },
    ]);
    expect(queue.jobs().map((j) => [j.name, j.id])).toEqual([
      [JOBS.expireSilence, 'x'],
      [JOBS.notifyGroup, 'x'],
    ]);
    expect(queue.jobsNamed(JOBS.expireSilence).map((j) => j.data.silence_id)).toEqual(['a']);
  });

  it('runs what is due on its clock, in the order it falls due, with the jobs handlers queue meanwhile', async () => {
    let now = T0;
    const queue = new MemoryJobQueue(() => now);
    const ran: string[] = [];
    const remind: JobHandlerOf<typeof JOBS.remindSilence> = {
      handle: async (job) => {
        ran.push(`remind ${job.silence_id}`);
        await queue.add([{ name: JOBS.expireSilence, data: job, id: `expire-${job.silence_id}`, delayMs: 60_000 }]);
      },
    };
    const expire: JobHandlerOf<typeof JOBS.expireSilence> = { handle: (job) => Promise.resolve(void ran.push(`expire ${job.silence_id}`)) };
    const handlers = { [JOBS.remindSilence]: remind, [JOBS.expireSilence]: expire };
    await queue.add([
      { name: JOBS.remindSilence, data: timer('late'), id: 'r-late', delayMs: 30_000 },
      { name: JOBS.remindSilence, data: timer('early'), id: 'r-early', delayMs: 10_000 },
    ]);

    expect(await queue.runDue(handlers)).toBe(0);
    now = T0 + 30_000;
    expect(await queue.runDue(handlers)).toBe(2);
    expect(ran).toEqual(['remind early', 'remind late']);
    // The expiries were queued at T0 + 30 s, a minute ahead.
    now = T0 + 89_999;
    expect(await queue.runDue(handlers)).toBe(0);
    now = T0 + 90_000;
    expect(await queue.runDue(handlers)).toBe(2);
    expect(ran.slice(2)).toEqual(['expire early', 'expire late']);
    expect(queue.jobs()).toEqual([]);
  });

  it('names a job that has no handler', async () => {
    const queue = new MemoryJobQueue(() => T0);
    await queue.add([{ name: JOBS.expireSilence, data: timer('a'), id: 'x' }]);
    await expect(queue.runDue({})).rejects.toThrow('no handler for job "silence.expire"');
  });
});
