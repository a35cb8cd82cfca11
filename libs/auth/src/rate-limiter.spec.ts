import { toDecision } from './rate-limiter';

describe('toDecision', () => {
  it('reads an allowed reply: remaining, no retry, seconds to a full budget rounded up', () => {
    expect(toDecision([1, 4, 0, 1500], 5)).toEqual({ allowed: true, limit: 5, remaining: 4, retryAfterSeconds: 0, resetSeconds: 2 });
  });

  it('reads a refusal: Retry-After is whole seconds, at least 1', () => {
    expect(toDecision([0, 0, 100, 60_000], 600)).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 60 });
    expect(toDecision([0, 0, 12_001, 60_000], 5)).toMatchObject({ allowed: false, retryAfterSeconds: 13 });
  });

  it('keeps remaining within 0 and the limit', () => {
    expect(toDecision([1, 9, 0, 0], 5).remaining).toBe(5);
    expect(toDecision([1, -1, 0, 0], 5).remaining).toBe(0);
  });
});
