import { batchRetryDelay, needsRejoin, rejoinError } from './batch-retry';

describe('batchRetryDelay', () => {
  const policy = { initialMs: 250, maxMs: 5000 };

  it('doubles from the first wait and stops at the cap, however long the outage', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100, 10_000].map((attempt) => batchRetryDelay(attempt, policy, 0))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('takes up to a fifth off at random, never more', () => {
    expect(batchRetryDelay(10, policy, 0.999)).toBe(4001);
    expect(batchRetryDelay(1, policy, 0.5)).toBe(225);
  });
});

describe('needsRejoin', () => {
  it('names the errors after which the member must rejoin the group', () => {
    for (const type of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']) expect(needsRejoin({ type })).toBe(true);
    for (const other of [new Error('connect ECONNREFUSED'), { type: 'REQUEST_TIMED_OUT' }, null, undefined]) expect(needsRejoin(other)).toBe(false);
  });
});

describe('rejoinError', () => {
  it('turns a member error into UNKNOWN_MEMBER_ID, on which kafkajs rejoins as a new member, and leaves other errors alone', () => {
    for (const type of ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']) {
      expect(rejoinError(Object.assign(new Error('The coordinator is not aware of this member'), { type }))).toMatchObject({ type: 'UNKNOWN_MEMBER_ID' });
    }
    const rebalancing = { type: 'REBALANCE_IN_PROGRESS' };
    const down = new Error('connect ECONNREFUSED');
    expect(rejoinError(rebalancing)).toBe(rebalancing);
    expect(rejoinError(down)).toBe(down);
  });
});
