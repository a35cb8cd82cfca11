import { FairShare } from './fair-share';

describe('FairShare', () => {
  const T0 = Date.parse('2026-12-06T10:00:00Z');

  it('lets a tenant queue its share of a minute as usual, and puts the rest of that minute behind the others', () => {
    let now = T0;
    const fair = new FairShare(3, () => now);
    expect(['a', 'a', 'a', 'a', 'b', 'a'].map((t) => fair.take(t))).toEqual([true, true, true, false, true, false]);
    now = T0 + 59_999;
    expect(fair.take('a')).toBe(false);
    now = T0 + 60_000;
    expect([fair.take('a'), fair.take('a'), fair.take('a'), fair.take('a')]).toEqual([true, true, true, false]);
  });

  it('stays bounded however many tenants it sees', () => {
    let now = T0;
    const fair = new FairShare(1, () => now);
    let refused = 0;
    for (let i = 0; i < 25_000; i += 1) {
      if (i % 5000 === 0) now += 60_000;
      if (!fair.take(`t${i}`)) refused += 1;
    }
    expect(refused).toBe(0);
    expect((fair as unknown as { counts: Map<string, unknown> }).counts.size).toBeLessThanOrEqual(10_000);
  });
});
