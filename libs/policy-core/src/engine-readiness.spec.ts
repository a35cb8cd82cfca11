import { consumerUnreadiness, STUCK_AFTER_MS, type ConsumerState } from './engine-readiness';

describe('consumerUnreadiness', () => {
  const now = 10_000_000;
  const healthy: ConsumerState = { member: true, held: 3, behind: 0, lastBatchAt: now - 1000, failingSince: undefined };

  it('is ready as a member whose batches go through, and as an idle member holding no partition', () => {
    expect(consumerUnreadiness(healthy, now)).toBeUndefined();
    expect(consumerUnreadiness({ ...healthy, held: 0, lastBatchAt: undefined }, now)).toBeUndefined();
    // Nothing to read for an hour is not stuck.
    expect(consumerUnreadiness({ ...healthy, lastBatchAt: now - 3_600_000 }, now)).toBeUndefined();
  });

  it('is not ready outside its group', () => {
    expect(consumerUnreadiness({ ...healthy, member: false }, now)).toMatch(/not a member/);
  });

  it('is not ready once every batch has failed for the stuck time, and ready again when one goes through', () => {
    expect(consumerUnreadiness({ ...healthy, failingSince: now - STUCK_AFTER_MS + 1 }, now)).toBeUndefined();
    expect(consumerUnreadiness({ ...healthy, failingSince: now - STUCK_AFTER_MS }, now)).toBe('every batch has failed for 60 s');
  });

  it('is not ready when records wait and no batch went through for the stuck time', () => {
    const waiting = { ...healthy, behind: 500 };
    expect(consumerUnreadiness({ ...waiting, lastBatchAt: now - STUCK_AFTER_MS + 1 }, now)).toBeUndefined();
    expect(consumerUnreadiness({ ...waiting, lastBatchAt: now - 2 * STUCK_AFTER_MS }, now)).toBe('500 records wait on its 3 partitions and no batch went through for 120 s');
  });
});
