import { CountWindow } from '@kanshi/policy-sdk';
import { emptyWindowedState, firstTime, num, text, timeOf, windowOf } from './medical-rule-support';

describe('medical rule support', () => {
  it('reads payload fields without throwing on odd values', () => {
    const payload = { a: ' x ', b: '', c: 3, d: Number.NaN, e: '2026-01-05T00:00:00Z', f: 'soon', g: null };
    expect([text(payload, 'a'), text(payload, 'b'), text(payload, 'c'), text(payload, 'g')]).toEqual(['x', undefined, undefined, undefined]);
    expect([num(payload, 'c'), num(payload, 'd'), num(payload, 'a')]).toEqual([3, undefined, undefined]);
    expect([timeOf(payload, 'e'), timeOf(payload, 'f'), timeOf(payload, 'missing')]).toEqual([Date.parse('2026-01-05T00:00:00Z'), undefined, undefined]);
  });

  it('remembers keys once, in a bounded list', () => {
    const seen: string[] = [];
    expect([firstTime(seen, 'a', 2), firstTime(seen, 'a', 2), firstTime(seen, 'b', 2), firstTime(seen, 'c', 2)]).toEqual([true, false, true, true]);
    expect(seen).toEqual(['b', 'c']);
  });

  it('keeps the counts and the judged mark when a tenant changes the history kept, not when the window size changes', () => {
    const state = emptyWindowedState();
    const first = windowOf(state, '1d', '1h', 3);
    CountWindow.add(first, 0, { n: 5 });
    CountWindow.close(first, 86_400_000);

    const longer = windowOf(state, '1d', '1h', 10);
    expect([longer.retainMs, CountWindow.bucket(longer, 0), longer.closedUntil]).toEqual([10 * 86_400_000 + 3_600_000, { n: 5 }, 86_400_000]);
    expect(windowOf(state, '1d', '1h', 10)).toBe(longer);

    const resized = windowOf(state, '1h', '1h', 10);
    expect([resized.bucketMs, resized.buckets, resized.closedUntil]).toEqual([3_600_000, [], 86_400_000]);
  });
});
