import { EngineQuotas, QUOTA_HORIZON_WINDOWS, QUOTA_WINDOW_MS } from './engine-quotas';

describe('EngineQuotas: events per minute, metered by arrival', () => {
  const start = Date.parse('2026-12-06T10:00:00Z');
  let now = start;
  const quotas = (eventsPerMinute: number) => new EngineQuotas({ eventsPerMinute, unregisteredModelsPerDay: 10 }, () => now);
  /** How many of `count` events of acme that arrived at `at` are admitted. */
  const admitted = (q: EngineQuotas, count: number, at: number) => Array.from({ length: count }, () => q.takeEvent('acme', at)).filter(Boolean).length;

  beforeEach(() => {
    now = start;
  });

  it('admits a sixth of the minute (rounded up) per 10 s window, and no more than the quota in any minute', () => {
    now = start + 10 * 60_000;
    const q = quotas(20);
    // 4 per window (20 / 6, rounded up), but the sixth window of a minute only what is left of 20.
    const perWindow = [0, 1, 2, 3, 4, 5].map((w) => admitted(q, 10, start + w * QUOTA_WINDOW_MS));
    expect(perWindow).toEqual([4, 4, 4, 4, 4, 0]);
    // The seventh window's minute no longer holds the first window: 4 again.
    expect(admitted(q, 10, start + 6 * QUOTA_WINDOW_MS)).toBe(4);
  });

  it('counts by arrival, whatever the order the engine reads in: a late partition gets the share of its own arrival times', () => {
    now = start + 5 * 60_000;
    const q = quotas(60);
    // One partition caught up (arrivals of now), another behind (arrivals of four minutes ago).
    expect(admitted(q, 20, now)).toBe(10);
    expect(admitted(q, 20, now - 4 * 60_000)).toBe(10);
    expect(q.exhausted('acme', now)).toBe(true);
    expect(q.exhausted('acme', now - 2 * 60_000)).toBe(false);
    // exhausted() counts nothing.
    expect(admitted(q, 20, now - 2 * 60_000)).toBe(10);
  });

  it('takes arrival times from the last hour up to now only: older ones count in the oldest window, later ones as now', () => {
    now = start + 2 * 3_600_000;
    const q = quotas(60);
    expect(admitted(q, 5, now - 3 * 3_600_000)).toBe(5);
    // The oldest window of the hour is the one those counted in.
    expect(admitted(q, 20, now - (QUOTA_HORIZON_WINDOWS - 1) * QUOTA_WINDOW_MS)).toBe(5);
    // A time past the clock (a broker ahead, or a producer's own stamp) counts in this window.
    expect(admitted(q, 20, now + 3_600_000)).toBe(10);
    expect(admitted(q, 20, now)).toBe(0);
  });

  it('meters a record without a time by the clock, and each tenant apart', () => {
    const q = quotas(6);
    expect([q.takeEvent('acme'), q.takeEvent('acme'), q.takeEvent('globex')]).toEqual([true, false, true]);
    now += QUOTA_WINDOW_MS;
    expect(q.takeEvent('acme')).toBe(true);
  });
});
