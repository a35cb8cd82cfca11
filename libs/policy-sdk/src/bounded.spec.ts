import { Bounded, STATE_LIMIT_SCOPE } from './bounded';
import { CountWindow } from './windows';
import { Windows, type WindowedState } from './judged-windows';

/** A JSON round trip that also reverses the key order, as a checkpoint in jsonb may. */
function checkpointed<T extends Record<string, unknown>>(map: T): T {
  const copy = JSON.parse(JSON.stringify(map)) as T;
  return Object.fromEntries(Object.entries(copy).reverse()) as T;
}

describe('Bounded.set', () => {
  it('refuses new keys when full without a rank, and still updates existing ones', () => {
    const map: Record<string, number> = {};
    const results = ['a', 'b', 'c', 'd'].map((k, i) => Bounded.set(map, k, i, { max: 3 }).kept);
    expect(results).toEqual([true, true, true, false]);
    expect(Bounded.set(map, 'b', 9, { max: 3 })).toEqual({ kept: true, dropped: [] });
    expect(map).toEqual({ a: 0, b: 9, c: 2 });
  });

  it('drops the lowest-ranked tenth when full, the new entry included, ties by key', () => {
    const map: Record<string, number> = {};
    for (let i = 0; i < 20; i++) Bounded.set(map, `k${String(i).padStart(2, '0')}`, 100 + i, { max: 20, rank: (v) => v });
    const full = Bounded.set(map, 'new', 200, { max: 20, rank: (v) => v });
    expect(full).toEqual({ kept: true, dropped: [['k00', 100], ['k01', 101], ['k02', 102]] });
    expect(Object.keys(map)).toHaveLength(18);

    // An entry ranking lowest is refused; ties go by key.
    const tied: Record<string, number> = { b: 1, c: 1 };
    expect(Bounded.set(tied, 'a', 0, { max: 2, rank: (v) => v })).toEqual({ kept: false, dropped: [] });
    expect(Bounded.set(tied, 'd', 1, { max: 2, rank: (v) => v })).toEqual({ kept: true, dropped: [['b', 1]] });
  });

  it('keeps the same entries for the same events, whatever order a checkpoint returns the keys in', () => {
    const limit = { max: 50, rank: (v: number) => v % 7 };
    const live: Record<string, number> = {};
    let restored: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      Bounded.set(live, `t-${(i * 37) % 211}`, i, limit);
      Bounded.set(restored, `t-${(i * 37) % 211}`, i, limit);
      if (i % 13 === 0) restored = checkpointed(restored);
    }
    expect(Object.keys(live).length).toBeLessThanOrEqual(50);
    expect(checkpointed(restored)).toEqual(live);
  });

  it('counts the map again before refusing, so entries deleted directly free their room', () => {
    const map: Record<string, number> = {};
    for (const k of ['a', 'b', 'c']) Bounded.set(map, k, 1, { max: 3 });
    delete map['a'];
    Bounded.delete(map, 'b');
    expect(Bounded.set(map, 'd', 1, { max: 3 }).kept).toBe(true);
    expect(Bounded.set(map, 'e', 1, { max: 3 }).kept).toBe(true);
    expect(Bounded.set(map, 'f', 1, { max: 3 }).kept).toBe(false);
    expect(Object.keys(map).sort()).toEqual(['c', 'd', 'e']);
  });

  it('treats ids such as __proto__ and constructor as plain keys', () => {
    const map: Record<string, { at: number }> = {};
    expect(Bounded.get(map, 'constructor')).toBeUndefined();
    Bounded.set(map, '__proto__', { at: 1 }, { max: 10 });
    Bounded.set(map, 'constructor', { at: 2 }, { max: 10 });
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(map))).toEqual(JSON.parse('{"__proto__":{"at":1},"constructor":{"at":2}}'));
    expect(Bounded.get(map, '__proto__')).toEqual({ at: 1 });
    expect([Bounded.has(map, 'toString'), Bounded.has(map, 'constructor')]).toEqual([false, true]);
  });
});

describe('Bounded.remember and Bounded.limitFinding', () => {
  it('remembers a key once, keeping the newest', () => {
    const seen: string[] = [];
    expect(['a', 'b', 'a', 'c'].map((k) => Bounded.remember(seen, k, 2))).toEqual([true, true, false, true]);
    expect(seen).toEqual(['b', 'c']);
  });

  it('names one occurrence per kind and UTC day', () => {
    const t = Date.parse('2026-01-05T23:00:00Z');
    expect(Bounded.limitFinding('features', 200, t, { dropped: 3 })).toEqual({
      scope: STATE_LIMIT_SCOPE,
      severity: 'medium',
      occurrence: 'state-limit:features@2026-01-05',
      observed: { state_limit: 'features', limit: 200, day: '2026-01-05', dropped: 3 },
    });
  });
});

describe('CountWindow with maxNames', () => {
  const T = Date.parse('2026-01-05T00:00:00Z');

  it('refuses a call whose new names would pass the cap, whole, and counts it', () => {
    const window = CountWindow.create('1h', '2h', 3);
    expect(CountWindow.add(window, T, { a: 1, b: 1 })).toBe(true);
    expect(CountWindow.hasRoom(window, T, ['c', 'd'])).toBe(false);
    expect(CountWindow.add(window, T, { c: 1, d: 1 })).toBe(false);
    expect(CountWindow.max(window, T, { a: 5, c: 2 })).toBe(true);
    expect(CountWindow.add(window, T, { d: 1 })).toBe(false);
    expect(CountWindow.add(window, T, { a: 1 })).toBe(true);
    expect(CountWindow.bucket(window, T)).toEqual({ a: 6, b: 1, c: 2 });
    expect(CountWindow.refused(window, T, T + 1)).toBe(2);
    // Another bucket has room of its own.
    expect(CountWindow.hasRoom(window, T + 3_600_000, ['x', 'y', 'z'])).toBe(true);
  });

  it('counts the names of a bucket restored without the count, and stops the count without a cap', () => {
    const window = CountWindow.create('1h', '2h', 2);
    CountWindow.add(window, T, { a: 1, b: 1 });
    const restored = JSON.parse(JSON.stringify({ ...window, buckets: window.buckets.map(({ start, values }) => ({ start, values })) })) as typeof window;
    expect(CountWindow.add(restored, T, { c: 1 })).toBe(false);
    delete restored.maxNames;
    expect(CountWindow.add(restored, T, { c: 1 })).toBe(true);
    expect(restored.buckets[0]?.names).toBeUndefined();
  });

  it('takes the cap from the plan, and reports refusals with the judged window', () => {
    const holder: WindowedState = { window: null };
    const timers = { set: () => undefined, clear: () => undefined, get: () => undefined };
    const plan = { bucket: '1h', lateness: '5m', maxNames: 2 };
    for (const f of ['a', 'b', 'c', 'd']) Windows.count(holder, plan, T, timers, { [f]: 1 });
    const judged = Windows.judge(holder, plan, Windows.closeTimer(T));
    expect(judged).toMatchObject({ totals: { a: 1, b: 1 }, refused: 2 });
    Windows.of(holder, { ...plan, maxNames: 10 });
    expect(holder.window?.maxNames).toBe(10);
  });
});
