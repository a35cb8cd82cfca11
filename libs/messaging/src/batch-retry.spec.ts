import { Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { batchFailure, batchFailureReason, batchRetryDelay, needsRejoin, rejoinError } from './batch-retry';

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

describe('batchFailure', () => {
  /** What the transport receives when a handler throws `thrown`: Nest's exception filter stands between them. */
  const throughNest = (thrown: unknown) => firstValueFrom(new BaseRpcExceptionFilter().catch(thrown, {} as ArgumentsHost)).catch((received: unknown) => received);

  afterEach(() => jest.restoreAllMocks());

  it('carries the reason and the stack through Nest to the transport, which Nest alone logs at every attempt and loses', async () => {
    const nestLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const cause = new Error('read ECONNRESET');

    const carried = batchFailureReason(await throughNest(batchFailure(cause)));
    expect(carried).toEqual({ message: 'read ECONNRESET', stack: cause.stack });
    expect(nestLog).not.toHaveBeenCalled();

    expect(batchFailureReason(await throughNest(cause))).toEqual({ message: 'Internal server error' });
    expect(nestLog).toHaveBeenCalledTimes(1);
  });

  it('describes whatever else failed by its message or its value', () => {
    expect(batchFailureReason(new Error('boom'))).toMatchObject({ message: 'boom' });
    expect(batchFailureReason('down')).toEqual({ message: 'down' });
    expect(batchFailureReason({ code: 7 })).toEqual({ message: '{"code":7}' });
    expect(batchFailureReason(batchFailure('not an error').getError())).toEqual({ message: 'not an error' });
  });
});
