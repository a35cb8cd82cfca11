import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, retryOptions } from './backoff';

const NOW = Date.parse('2026-03-02T00:00:00Z');
const options = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, maxRetryAfterMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles per retry, with half of each delay random (equal jitter)', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, options, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, options, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(3, options, () => 0.5)).toBe(300);
  });

  it('never exceeds maxDelayMs, however many retries', () => {
    for (const retry of [5, 10, 50, 1000]) {
      const delay = backoffDelay(retry, options, () => 1);
      expect(delay).toBe(1000);
      expect(backoffDelay(retry, options, () => 0)).toBe(500);
    }
  });

  it("waits at least the server's Retry-After, capped at maxRetryAfterMs", () => {
    expect(backoffDelay(1, options, () => 0, 5000)).toBe(5000);
    expect(backoffDelay(1, options, () => 0, 60_000)).toBe(10_000);
    expect(backoffDelay(4, options, () => 1, 10)).toBe(800);
    expect(backoffDelay(1, options, () => 0, -5)).toBe(50);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('5', NOW)).toBe(5000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Mon, 02 Mar 2026 00:00:30 GMT', NOW)).toBe(30_000);
  });

  it('treats a past date as now and ignores what it cannot read', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 00:00:00 GMT', NOW)).toBe(0);
    for (const junk of [null, undefined, '', 'soon', '-3', '1.5', 'Mon, 99 Foo']) expect(parseRetryAfter(junk, NOW)).toBeUndefined();
  });
});

describe('retryOptions', () => {
  it('fills defaults and refuses unbounded or negative settings', () => {
    expect(retryOptions({ maxAttempts: 3 })).toEqual({ ...DEFAULT_RETRY, maxAttempts: 3 });
    expect(() => retryOptions({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retryOptions({ maxAttempts: Infinity })).toThrow(/maxAttempts/);
    expect(() => retryOptions({ maxDelayMs: -1 })).toThrow(/maxDelayMs/);
    expect(() => retryOptions({ multiplier: 0.5 })).toThrow(/multiplier/);
  });
});
