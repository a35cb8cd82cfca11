import { FairShare } from './fair-share';

describe('FairShare', () => {
  const T0 = Date.parse('2026-12-06T10:00:00Z');

  it('lets a tenant queue its share of a minute as usual, and puts the rest further back the more shares it used', () => {
    let now = T0;
    const fair = new FairShare(3, () => now);
    const taken = (tenantId: string, n: number) => Array.from({ length: n }, () => fair.take(tenantId));
    expect(taken('a', 10)).toEqual([undefined, undefined, undefined, 1, 1, 1, 2, 2, 2, 3]);
    // Another tenant's share is its own.
    expect(taken('b', 4)).toEqual([undefined, undefined, undefined, 1]);
    now = T0 + 59_999;
    expect(fair.take('a')).toBe(3);
    // A new minute, a new share.
    now = T0 + 60_000;
    expect(taken('a', 4)).toEqual([undefined, undefined, undefined, 1]);
  });

  it('counts a set of raises as the alerts it carries', () => {
    const fair = new FairShare(3, () => T0);
    expect(fair.take('a', 3)).toBeUndefined();
    // Past the share by its last alert: behind the tenants within theirs.
    expect(fair.take('a', 4)).toBe(2);
    expect(fair.take('b', 2)).toBeUndefined();
    expect(fair.take('b', 1)).toBeUndefined();
    expect(fair.take('b', 1)).toBe(1);
  });

  it("never goes past BullMQ's lowest priority", () => {
    const fair = new FairShare(1, () => T0);
    let last: number | undefined;
    for (let i = 0; i < 2_100_000; i += 1) last = fair.take('a');
    expect(last).toBe(2_097_152);
  });

  it('stays bounded however many tenants it sees', () => {
    let now = T0;
    const fair = new FairShare(1, () => now);
    let behind = 0;
    for (let i = 0; i < 25_000; i += 1) {
      if (i % 5000 === 0) now += 60_000;
      if (fair.take(`t${i}`) !== undefined) behind += 1;
    }
    expect(behind).toBe(0);
    expect((fair as unknown as { counts: Map<string, unknown> }).counts.size).toBeLessThanOrEqual(10_000);
  });
});
