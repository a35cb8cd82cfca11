import { ConsumerProgress, STUCK_AFTER_MS } from './consumer-progress';

describe('ConsumerProgress', () => {
  const t0 = 10_000_000;
  const caughtUp = () => false;
  const behind = () => true;

  const holding = (...partitions: number[]) => {
    const progress = new ConsumerProgress();
    progress.assigned(partitions, true, t0);
    return progress;
  };

  it('is not ready outside its group, and ready as a member holding no partition', () => {
    const progress = new ConsumerProgress();
    expect(progress.unreadiness(t0, caughtUp)).toMatch(/not a member/);
    progress.assigned([], true, t0);
    expect(progress.unreadiness(t0 + 10 * STUCK_AFTER_MS, behind)).toBeUndefined();
    progress.assigned([], false, t0);
    expect(progress.unreadiness(t0, caughtUp)).toMatch(/not a member/);
  });

  it('is ready with nothing to read for an hour, and once its batches go through', () => {
    const progress = holding(0, 1);
    expect(progress.unreadiness(t0 + 3_600_000, caughtUp)).toBeUndefined();
    progress.batchStarted(0, t0 + 1000);
    progress.batchEnded(0, true, t0 + 1200);
    expect(progress.unreadiness(t0 + 1200 + STUCK_AFTER_MS - 1, (partition) => partition === 0)).toBeUndefined();
  });

  it('names a partition whose batches have all failed for the stuck time, even while another partition goes through', () => {
    const progress = holding(0, 1, 2);
    progress.batchStarted(1, t0);
    progress.batchEnded(1, false, t0);
    for (let s = 1; s <= 60; s += 1) {
      progress.batchStarted(0, t0 + s * 1000);
      progress.batchEnded(0, true, t0 + s * 1000 + 5);
      progress.batchStarted(1, t0 + s * 1000);
      progress.batchEnded(1, false, t0 + s * 1000 + 5);
    }
    expect(progress.unreadiness(t0 + STUCK_AFTER_MS - 1, caughtUp)).toBeUndefined();
    expect(progress.unreadiness(t0 + STUCK_AFTER_MS, caughtUp)).toBe('partition 1: every batch has failed for 60 s');

    progress.batchEnded(1, true, t0 + STUCK_AFTER_MS + 1);
    expect(progress.unreadiness(t0 + STUCK_AFTER_MS + 1, caughtUp)).toBeUndefined();
  });

  it('forgets a failing partition once the group takes it away', () => {
    const progress = holding(0, 1);
    progress.batchEnded(1, false, t0);
    progress.assigned([0], true, t0 + 1000);
    expect(progress.unreadiness(t0 + 10 * STUCK_AFTER_MS, caughtUp)).toBeUndefined();
    expect(progress.holds(1)).toBe(false);
  });

  it('names a batch that has run for the stuck time (a call that never returns)', () => {
    const progress = holding(3);
    progress.batchStarted(3, t0);
    expect(progress.unreadiness(t0 + STUCK_AFTER_MS - 1, behind)).toBeUndefined();
    expect(progress.unreadiness(t0 + STUCK_AFTER_MS + 4000, behind)).toBe('partition 3: a batch has run for 64 s');
  });

  it('names a partition whose records wait unread for the stuck time, from its assignment or its last batch', () => {
    const fresh = holding(4);
    expect(fresh.unreadiness(t0 + STUCK_AFTER_MS, behind)).toBe('partition 4: records wait and no batch went through for 60 s');
    expect(fresh.unreadiness(t0 + STUCK_AFTER_MS, caughtUp)).toBeUndefined();

    fresh.batchStarted(4, t0 + 1000);
    fresh.batchEnded(4, true, t0 + 2000);
    expect(fresh.unreadiness(t0 + 2000 + STUCK_AFTER_MS - 1, behind)).toBeUndefined();
    expect(fresh.unreadiness(t0 + 2000 + 2 * STUCK_AFTER_MS, behind)).toBe('partition 4: records wait and no batch went through for 120 s');
  });
});
