import { heartbeatIntervalMs } from './kafka-batch.server';

describe('heartbeatIntervalMs', () => {
  it('beats every second for the engine’s session timeouts, and at least ten times per timeout down to the broker’s 6 s', () => {
    expect([6000, 8000, 10_000, 30_000, 300_000].map(heartbeatIntervalMs)).toEqual([600, 800, 1000, 1000, 1000]);
    expect(heartbeatIntervalMs(2000)).toBe(500);
  });
});
