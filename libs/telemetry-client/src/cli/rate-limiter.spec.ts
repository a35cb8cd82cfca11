import type { Clock } from '../backoff';
import { RateLimiter } from './rate-limiter';

function fakeClock(): Clock & { time: number } {
  const clock = {
    time: 0,
    now: () => clock.time,
    sleep: (ms: number) => {
      clock.time += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

async function takeMany(limiter: RateLimiter, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await limiter.take();
}

describe('RateLimiter', () => {
  it('lets the burst through at once, then one event per 1/rate seconds', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock, 1);
    await limiter.take();
    expect(clock.time).toBe(0);
    await takeMany(limiter, 5);
    expect(clock.time).toBe(500);
  });

  it('holds the average rate over many events, whatever the burst', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(200, clock);
    await takeMany(limiter, 1000);
    // 20 in the first burst, then 980 at 200/s.
    expect(clock.time).toBeGreaterThanOrEqual(4900);
    expect(clock.time).toBeLessThanOrEqual(4910);
  });

  it('does not bank idle time beyond the burst', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock, 2);
    clock.time += 60_000;
    await takeMany(limiter, 2);
    expect(clock.time).toBe(60_000);
    await limiter.take();
    expect(clock.time).toBe(60_100);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    expect(() => new RateLimiter(Number.NaN)).toThrow(RangeError);
  });
});
