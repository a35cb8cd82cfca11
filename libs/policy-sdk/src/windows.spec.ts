import { DAY_MS, HOUR_MS, durationMs } from './duration';
import { CountWindow, QuantileSketch, Stats } from './windows';

const T0 = Date.parse('2026-01-05T00:00:00Z');

describe('durationMs', () => {
  it('reads whole numbers with a unit and names a bad value', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('24h')).toBe(DAY_MS);
    expect(durationMs('7d')).toBe(7 * DAY_MS);
    expect(() => durationMs('1.5h')).toThrow('"1.5h" is not a duration');
    expect(() => durationMs('1 month')).toThrow('e.g. "24h"');
  });
});

describe('CountWindow', () => {
  it('tallies per bucket, tumbling, with boundaries belonging to the next bucket', () => {
    const w = CountWindow.create('1h', '3h');
    CountWindow.add(w, T0, { n: 1 });
    CountWindow.add(w, T0 + HOUR_MS - 1, { n: 1, hit: 1 });
    CountWindow.add(w, T0 + HOUR_MS, { n: 1 });

    expect(CountWindow.bucket(w, T0)).toEqual({ n: 2, hit: 1 });
    expect(CountWindow.bucket(w, T0 + HOUR_MS)).toEqual({ n: 1 });
    expect(CountWindow.bucketEnd(w, T0 + 5)).toBe(T0 + HOUR_MS);
  });

  it('sums the buckets overlapping a sliding span', () => {
    const w = CountWindow.create('1h', '24h');
    for (let h = 0; h < 5; h++) CountWindow.add(w, T0 + h * HOUR_MS + 10, { n: h + 1 });

    expect(CountWindow.sum(w, T0 + HOUR_MS, T0 + 3 * HOUR_MS)).toEqual({ n: 2 + 3 });
    expect(CountWindow.sum(w, T0, T0 + 5 * HOUR_MS)).toEqual({ n: 15 });
    expect(CountWindow.series(w, T0 + 3 * HOUR_MS, T0 + 6 * HOUR_MS).map((b) => b.values['n'] ?? 0)).toEqual([4, 5, 0]);
  });

  it('accepts late events within the retention, refuses older ones and closed windows, and counts them', () => {
    const w = CountWindow.create('1h', '2h');
    CountWindow.add(w, T0 + 5 * HOUR_MS, { n: 1 });

    expect(CountWindow.add(w, T0 + 3 * HOUR_MS + 1, { n: 1 })).toBe(true);
    expect(CountWindow.add(w, T0 + 3 * HOUR_MS - 1, { n: 1 })).toBe(false);
    CountWindow.close(w, T0 + 4 * HOUR_MS);
    expect(CountWindow.add(w, T0 + 4 * HOUR_MS - 1, { n: 1 })).toBe(false);
    expect(w.late).toBe(2);
    expect(CountWindow.sum(w, 0, Infinity)).toEqual({ n: 2 });
  });

  it('evicts buckets older than the retention as event time moves on', () => {
    const w = CountWindow.create('1h', '2h');
    for (let h = 0; h < 10; h++) CountWindow.add(w, T0 + h * HOUR_MS, { n: 1 });

    expect(w.buckets.map((b) => (b.start - T0) / HOUR_MS)).toEqual([7, 8, 9]);
  });

  it('keeps maxima and counts buckets in a row that pass a test, a gap breaking the run', () => {
    const w = CountWindow.create('1d', '30d');
    const psi = [0.12, 0.2, 0.05, 0.11, 0.13, 0.3];
    psi.forEach((value, day) => {
      CountWindow.max(w, T0 + day * DAY_MS, { psi: value });
      CountWindow.max(w, T0 + day * DAY_MS + HOUR_MS, { psi: value / 2 });
    });
    const above = (v: Readonly<Record<string, number>>) => (v['psi'] ?? 0) > 0.1;

    expect(CountWindow.bucket(w, T0)).toEqual({ psi: 0.12 });
    expect(CountWindow.consecutive(w, T0 + 5 * DAY_MS, above)).toBe(3);
    expect(CountWindow.consecutive(w, T0 + 1 * DAY_MS, above)).toBe(2);
    expect(CountWindow.consecutive(w, T0 + 9 * DAY_MS, above)).toBe(0);
  });

  it('survives a JSON round trip, as a checkpoint does', () => {
    const w = CountWindow.create('1h', '3h');
    CountWindow.add(w, T0, { n: 2 });
    const restored = JSON.parse(JSON.stringify(w)) as typeof w;
    CountWindow.add(restored, T0 + 1, { n: 1 });

    expect(CountWindow.bucket(restored, T0)).toEqual({ n: 3 });
  });
});

describe('QuantileSketch', () => {
  it('answers quantiles within 1 % of the exact value', () => {
    const w = CountWindow.create('1h', '1h');
    const values = Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 10_000) / 10 + 0.5);
    for (const v of values) CountWindow.add(w, T0, QuantileSketch.tally(v));
    const sorted = [...values].sort((a, b) => a - b);
    const totals = CountWindow.sum(w, T0, T0 + 1);

    expect(QuantileSketch.count(totals)).toBe(10_000);
    for (const q of [0.01, 0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1] as number;
      const estimate = QuantileSketch.quantile(totals, q) as number;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(0.01);
    }
  });

  it('handles zeros, an empty window, and refuses negative values', () => {
    expect(QuantileSketch.quantile({}, 0.5)).toBeUndefined();
    expect(QuantileSketch.quantile({ ...QuantileSketch.tally(0), 'q:zero': 3 }, 0.5)).toBe(0);
    expect(() => QuantileSketch.tally(-1)).toThrow(RangeError);
  });
});

describe('Stats', () => {
  it('computes ratios, mean and standard deviation, and Wilson bounds', () => {
    expect(Stats.ratio(1, 0)).toBeUndefined();
    expect(Stats.ratio(99, 100)).toBe(0.99);
    expect(Stats.meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: expect.closeTo(2.138, 3) as number });
    expect(Stats.meanStd([1])).toBeUndefined();
    // 180 of 200: the 95 % Wilson interval is about 0.851–0.934.
    const bound = Stats.wilson(180, 200);
    expect(bound?.low).toBeCloseTo(0.851, 3);
    expect(bound?.high).toBeCloseTo(0.934, 3);
    expect(Stats.wilson(0, 0)).toBeUndefined();
  });
});
