import { Type } from '@sinclair/typebox';
import { Calendar, Windows, type WindowedState, type WindowPlan } from './judged-windows';
import { defineRule, windowSpecOf, type RuleTimers } from './rule';
import { Stats } from './windows';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

function fakeTimers(): RuleTimers & { all: Map<string, number> } {
  const all = new Map<string, number>();
  return { all, set: (name, at) => all.set(name, at), clear: (name) => all.delete(name), get: (name) => all.get(name) };
}

describe('Windows', () => {
  const hourly: WindowPlan = { bucket: '1h', lateness: '10m' };

  it('counts into the bucket of the event time and arms one close timer per bucket at end + lateness', () => {
    const state: WindowedState = { window: null };
    const timers = fakeTimers();
    expect(Windows.count(state, hourly, T0 + 5 * 60_000, timers, { n: 1 })).toBe(true);
    expect(Windows.count(state, hourly, T0 + 50 * 60_000, timers, { n: 1 })).toBe(true);
    expect(Windows.count(state, hourly, T0 + HOUR + 1, timers, { n: 1 })).toBe(true);
    expect([...timers.all]).toEqual([
      [Windows.closeTimer(T0), T0 + HOUR + 10 * 60_000],
      [Windows.closeTimer(T0 + HOUR), T0 + 2 * HOUR + 10 * 60_000],
    ]);
    const judged = Windows.judge(state, hourly, Windows.closeTimer(T0));
    expect(judged).toMatchObject({ start: T0, end: T0 + HOUR, bucketStart: T0, totals: { n: 2 }, occurrence: '2026-03-02T00:00:00.000Z' });
  });

  it('arms a bucket\'s timer on its first event only, and again for a late event that starts a fresh bucket', () => {
    const state: WindowedState = { window: null };
    const timers = fakeTimers();
    const sets: string[] = [];
    const counting = { ...timers, set: (name: string, at: number) => (sets.push(name), timers.set(name, at)) };
    for (let i = 0; i < 50; i++) Windows.count(state, hourly, T0 + i * 60_000, counting, { n: 1 });
    Windows.count(state, hourly, T0 - 30 * 60_000, counting, { n: 1 });
    expect(sets).toEqual([Windows.closeTimer(T0), Windows.closeTimer(T0 - HOUR)]);
  });

  it('declares the window spec from the arguments, minSamples when there is one', () => {
    expect(Windows.spec('sliding')({ window: '7d', lateness: '1h', minSamples: 3 })).toEqual({ kind: 'sliding', size: '7d', lateness: '1h', minSamples: 3 });
    expect(Windows.spec('tumbling')({ window: '1h', lateness: '5m' })).toEqual({ kind: 'tumbling', size: '1h', lateness: '5m' });
  });

  it('refuses an event for a judged bucket, and one older than the lateness bound, as late', () => {
    const state: WindowedState = { window: null };
    const timers = fakeTimers();
    Windows.count(state, hourly, T0 + 1, timers, { n: 1 });
    Windows.judge(state, hourly, Windows.closeTimer(T0));
    expect(Windows.count(state, hourly, T0 + 2, timers, { n: 1 })).toBe(false);
    expect(state.window?.late).toBe(1);
    // A bucket 3 h ahead moves the watermark; an event 2 h behind it is past the retained history.
    Windows.count(state, hourly, T0 + 5 * HOUR, timers, { n: 1 });
    expect(Windows.count(state, hourly, T0 + 5 * HOUR - 3 * HOUR - 20 * 60_000, timers, { n: 1 })).toBe(false);
    expect(state.window?.late).toBe(2);
  });

  it('judges a sliding span ending with the closed bucket', () => {
    const state: WindowedState = { window: null };
    const timers = fakeTimers();
    const plan: WindowPlan = { bucket: '1h', span: '3h', lateness: '0m' };
    for (let h = 0; h < 5; h++) Windows.count(state, plan, T0 + h * HOUR, timers, { n: h + 1 });
    expect(Windows.judge(state, plan, Windows.closeTimer(T0 + 4 * HOUR))).toMatchObject({ start: T0 + 2 * HOUR, end: T0 + 5 * HOUR, totals: { n: 3 + 4 + 5 } });
  });

  it('keeps windows of different keys apart by timer name', () => {
    const timers = fakeTimers();
    const a: WindowedState = { window: null };
    Windows.count(a, hourly, T0, timers, { n: 1 }, 'feature/with/slashes');
    const name = Windows.closeTimer(T0, 'feature/with/slashes');
    expect(timers.all.has(name)).toBe(true);
    expect(Windows.closing(name)).toEqual({ bucketStart: T0, key: 'feature/with/slashes' });
    expect(Windows.judge(a, hourly, name)?.key).toBe('feature/with/slashes');
  });

  it('ignores other timers and empty state', () => {
    expect(Windows.judge({ window: null }, hourly, Windows.closeTimer(T0))).toBeUndefined();
    expect(Windows.judge({ window: null }, hourly, 'deadline:x')).toBeUndefined();
    expect(Windows.closing('close@not-a-time')).toBeUndefined();
  });

  it('keeps judged time judged when a tenant changes the bucket width, and keeps counts when only the span changes', () => {
    const state: WindowedState = { window: null };
    const timers = fakeTimers();
    Windows.count(state, hourly, T0 + 1, timers, { n: 1 });
    Windows.judge(state, hourly, Windows.closeTimer(T0));
    Windows.count(state, hourly, T0 + HOUR + 1, timers, { n: 5 });
    const longer = { ...hourly, span: '2h' };
    expect(Windows.judge(state, longer, Windows.closeTimer(T0 + HOUR))?.totals).toEqual({ n: 6 });
    const wider: WindowPlan = { bucket: '2h', lateness: '10m' };
    expect(Windows.count(state, wider, T0 + 30 * 60_000, timers, { n: 1 })).toBe(false);
    expect(state.window?.bucketMs).toBe(2 * HOUR);
  });
});

describe('Calendar', () => {
  it('gives the JST month and quarter holding a time, across the UTC month boundary', () => {
    // 2026-03-31T16:00Z is 2026-04-01T01:00 JST.
    const time = Date.parse('2026-03-31T16:00:00Z');
    expect(Calendar.month(time, 540)).toEqual({ start: Date.parse('2026-03-31T15:00:00Z'), end: Date.parse('2026-04-30T15:00:00Z') });
    expect(Calendar.month(time)).toEqual({ start: Date.parse('2026-03-01T00:00:00Z'), end: Date.parse('2026-04-01T00:00:00Z') });
    expect(Calendar.quarter(time, 540)).toEqual({ start: Date.parse('2026-03-31T15:00:00Z'), end: Date.parse('2026-06-30T15:00:00Z') });
    expect(Calendar.month(Date.parse('2026-12-15T00:00:00Z'))).toEqual({ start: Date.parse('2026-12-01T00:00:00Z'), end: Date.parse('2027-01-01T00:00:00Z') });
  });
});

describe('Stats.above / Stats.below', () => {
  it('judges a value at the threshold as the threshold despite rounding, and one just past it as past', () => {
    expect(1 - 0.95 > 0.05).toBe(true);
    expect(Stats.above(1 - 0.95, 0.05)).toBe(false);
    expect(Stats.above(0.0500001, 0.05)).toBe(true);
    expect(Stats.below(0.8 - 0.75, 0.05)).toBe(false);
    expect(Stats.below(0.0499999, 0.05)).toBe(true);
  });
});

describe('windowSpecOf', () => {
  const rule = defineRule({
    id: 'X9',
    title: 't',
    rationale: 'r',
    source: 's',
    defaultSeverity: 'low',
    reads: ['prediction'],
    args: Type.Object({ window: Type.String({ default: '1h' }), minSamples: Type.Integer({ default: 10 }) }),
    window: (a) => ({ kind: 'tumbling', size: a.window as '1h', minSamples: a.minSamples }),
    evaluate: () => undefined,
  });

  it('shows the defaults, or the arguments in force', () => {
    expect(windowSpecOf(rule)).toEqual({ kind: 'tumbling', size: '1h', minSamples: 10 });
    expect(windowSpecOf(rule, { window: '6h' })).toEqual({ kind: 'tumbling', size: '6h', minSamples: 10 });
  });
});
