import { DAY_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv } from './general-test-kit';

const metric = (name: string, value: number, n?: number) => ({
  event_type: 'performance_metric' as const,
  payload: n === undefined ? { metric: name, value } : { metric: name, value, n },
});
// January 2026 in Japan time: 2025-12-31T15:00Z to 2026-01-31T15:00Z, judged a day later.
const JAN_START = Date.parse('2025-12-31T15:00:00Z');
const JAN_END = Date.parse('2026-01-31T15:00:00Z');
const JUDGED = JAN_END + DAY_MS;

describe('G10 serving availability and fallback', () => {
  it('judges the calendar month (JST) once it closes plus lateness, below a 99.5% SLO', () => {
    const env = generalEnv();
    env.send({ ...metric('availability', 0.999, 1000), timestamp: '2026-01-05T00:00:00Z' });
    env.send({ ...metric('availability', 0.99, 1000), timestamp: '2026-01-20T00:00:00Z' });
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'G10')).toEqual([]);
    env.advanceTo(JUDGED);

    const [finding] = findingsOf(env, 'G10');
    expect(finding).toMatchObject({ scope: 'availability', severity: 'medium', occurrence: at(JAN_START) });
    expect(finding?.observed).toEqual({ availability: 0.9945, reports: 2, weight: 2000, month_start: at(JAN_START), month_end: at(JAN_END) });
  });

  it('does not fire at exactly 99.5%, weighs reports by n, and skips values outside 0–1', () => {
    const env = generalEnv();
    env.send({ ...metric('availability', 0.9975, 3000), timestamp: '2026-01-05T00:00:00Z' });
    env.send({ ...metric('availability', 0.9875, 1000), timestamp: '2026-01-06T00:00:00Z' });
    env.send({ ...metric('availability', 42), timestamp: '2026-01-07T00:00:00Z' });
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G10')).toEqual([]);
    expect(clearsOf(env, 'G10').map((c) => c.scope)).toEqual(['availability']);
  });

  it('puts a report by its Japan-time month, and ignores one for a month already judged', () => {
    const env = generalEnv();
    env.send({ ...metric('availability', 1), timestamp: '2026-01-10T00:00:00Z' });
    // 16:00Z on 31 January is 1 February in Japan.
    env.send({ ...metric('availability', 0.5), timestamp: '2026-01-31T16:00:00Z' });
    env.advanceTo(JUDGED);
    expect(clearsOf(env, 'G10').map((c) => at(c.time))).toEqual([at(JUDGED)]);
    env.send({ ...metric('availability', 0.5), timestamp: '2026-01-20T00:00:00Z' });
    env.advanceTo(Date.parse('2026-03-02T00:00:00Z'));

    expect(findingsOf(env, 'G10').map((f) => [f.occurrence, (f.observed as { reports: number }).reports])).toEqual([[at(JAN_END), 1]]);
  });

  it('needs minSamples reports in the month, and keeps the month across a restart', () => {
    const env = generalEnv({ args: { G10: { minSamples: 2 } } });
    env.send({ ...metric('availability', 0.9), timestamp: '2026-01-05T00:00:00Z' });
    env.restart();
    env.advanceTo(JUDGED);
    expect([findingsOf(env, 'G10'), clearsOf(env, 'G10')]).toEqual([[], []]);

    env.send({ ...metric('availability', 0.9), timestamp: '2026-02-05T00:00:00Z' });
    env.restart();
    env.send({ ...metric('availability', 1), timestamp: '2026-02-06T00:00:00Z' });
    env.advanceTo(Date.parse('2026-03-02T00:00:00Z'));
    expect(findingsOf(env, 'G10').map((f) => (f.observed as { availability: number }).availability)).toEqual([0.95]);
  });

  it('reports the fallback once when it becomes active, and clears when it is off', () => {
    const env = generalEnv();
    env.send({ ...metric('fallback_active', 0), timestamp: '2026-01-05T00:00:00Z' });
    env.send({ ...metric('fallback_active', 1), timestamp: '2026-01-05T01:00:00Z' });
    env.restart();
    env.send({ ...metric('fallback_active', 1), timestamp: '2026-01-05T02:00:00Z' });
    env.send({ ...metric('fallback_active', 0), timestamp: '2026-01-05T03:00:00Z' });

    expect(findingsOf(env, 'G10').map((f) => [f.scope, f.occurrence, f.observed, f.evidence])).toEqual([
      ['fallback', 'fallback@2026-01-05T01:00:00.000Z', { fallback_active: true, since: '2026-01-05T01:00:00.000Z' }, ['test-event-2']],
    ]);
    expect(clearsOf(env, 'G10').map((c) => [c.scope, at(c.time)])).toEqual([['fallback', '2026-01-05T03:00:00.000Z']]);
  });

  it('tallies at most 24 months at once and says so for reports scattered over more', () => {
    const env = generalEnv();
    // Newest first, so no month closes while the others arrive.
    for (let month = 29; month >= 0; month--) env.send({ ...metric('availability', 0.9), timestamp: new Date(Date.UTC(2026, month, 10)).toISOString() });

    const limits = findingsOf(env, 'G10').filter((f) => f.scope === 'state-limit');
    expect(limits).toHaveLength(6);
    expect(limits[0]?.observed).toMatchObject({ state_limit: 'months awaiting judgement', limit: 24 });
    expect(Object.keys((env.stateOf('G10') as { months: object }).months)).toHaveLength(24);
  });
});
