import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { RedisRateLimiter } from './rate-limiter';

const config = loadConfig();
const prefix = config.values.queuePrefix;
const limiters: RedisRateLimiter[] = [];
const scopes: string[] = [];

function limiter(perMinute: number, scope = uniqueId('rate')): RedisRateLimiter {
  const made = new RedisRateLimiter({ redisUrl: config.values.redisUrl, prefix, scope, perMinute });
  limiters.push(made);
  scopes.push(scope);
  return made;
}

afterAll(async () => {
  for (const l of limiters) l.onApplicationShutdown();
  const redis = new Redis(config.values.redisUrl);
  for (const scope of scopes) {
    const keys = await redis.keys(`${prefix}:rate:${scope}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

describe('RedisRateLimiter (real Redis)', () => {
  it('allows the limit at once, refuses the next request with a Retry-After of one interval', async () => {
    const five = limiter(5);
    const decisions = [];
    for (let i = 0; i < 6; i += 1) decisions.push(await five.consume('0123456789ab'));

    expect(decisions.slice(0, 5).map((d) => d?.allowed)).toEqual([true, true, true, true, true]);
    expect(decisions.slice(0, 5).map((d) => d?.remaining)).toEqual([4, 3, 2, 1, 0]);
    const refused = decisions[5];
    expect(refused).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
    // 5 a minute: one more every 12 s.
    expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(11);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(12);
    expect(refused?.resetSeconds).toBeGreaterThanOrEqual(59);
    expect(refused?.resetSeconds).toBeLessThanOrEqual(60);
  });

  it('keeps separate budgets for separate keys and for separate apps', async () => {
    const scope = uniqueId('rate');
    const api = limiter(2, scope);
    const sameApp = limiter(2, scope);
    const gateway = limiter(2);
    await api.consume('aaaaaaaaaaaa');
    await api.consume('aaaaaaaaaaaa');

    expect((await api.consume('aaaaaaaaaaaa'))?.allowed).toBe(false);
    // Another instance of the same app shares the budget: it lives in Redis.
    expect((await sameApp.consume('aaaaaaaaaaaa'))?.allowed).toBe(false);
    expect((await api.consume('bbbbbbbbbbbb'))?.allowed).toBe(true);
    expect((await gateway.consume('aaaaaaaaaaaa'))?.allowed).toBe(true);
  });

  it('is atomic: of 40 concurrent requests against a limit of 10, exactly 10 pass', async () => {
    const ten = limiter(10);

    const decisions = await Promise.all(Array.from({ length: 40 }, () => ten.consume('cccccccccccc')));

    expect(decisions.filter((d) => d?.allowed)).toHaveLength(10);
  });

  it('refills evenly: one interval after running out, one more request passes', async () => {
    // 120 a minute: one every 500 ms.
    const fast = limiter(120);
    await Promise.all(Array.from({ length: 120 }, () => fast.consume('dddddddddddd')));
    expect((await fast.consume('dddddddddddd'))?.allowed).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 600));

    expect((await fast.consume('dddddddddddd'))?.allowed).toBe(true);
    expect((await fast.consume('dddddddddddd'))?.allowed).toBe(false);
  });

  it('fails open, quickly and with one warning, when Redis is unreachable', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const down = new RedisRateLimiter({ redisUrl: 'redis://127.0.0.1:1', prefix, scope: uniqueId('down'), perMinute: 1 });
    try {
      const started = Date.now();
      const decisions = [await down.consume('eeeeeeeeeeee'), await down.consume('eeeeeeeeeeee')];

      expect(decisions).toEqual([undefined, undefined]);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('Rate limiting is off');
    } finally {
      down.onApplicationShutdown();
      warn.mockRestore();
    }
  });
});
