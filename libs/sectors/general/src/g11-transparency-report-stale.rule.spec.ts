import { DAY_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv, START } from './general-test-kit';

const report = (published?: string, version = '2025') => ({
  event_type: 'disclosure' as const,
  payload: published === undefined ? { kind: 'transparency_report', version } : { kind: 'transparency_report', version, published_time: published },
});
const PUBLISHED = Date.parse('2025-03-01T00:00:00Z');
const STALE = PUBLISHED + 365 * DAY_MS;
const participating = { args: { G11: { participates: true } } };

describe('G11 transparency report older than 12 months', () => {
  it('does nothing unless the organisation takes part', () => {
    const env = generalEnv();
    env.send({ ...report(at(PUBLISHED)), timestamp: at(START) });
    env.advance('800d');

    expect(findingsOf(env, 'G11')).toEqual([]);
  });

  it('reports once when the latest report turns 365 days old, at low severity', () => {
    const env = generalEnv(participating);
    env.send({ ...report(at(PUBLISHED)), timestamp: at(START) });
    env.advanceTo(STALE - 1);
    expect(findingsOf(env, 'G11')).toEqual([]);
    env.advanceTo(STALE);
    env.send({ event_type: 'prediction', timestamp: at(STALE + DAY_MS) });
    env.advance('30d');

    expect(findingsOf(env, 'G11').map((f) => [f.severity, f.dueAt, f.occurrence, f.observed])).toEqual([
      ['low', new Date(STALE), `stale@${at(PUBLISHED)}`, { last_published: at(PUBLISHED), version: '2025', age_days: 365 }],
    ]);
  });

  it('clears on a newer report, ignores an older one arriving late, and uses the event time without published_time', () => {
    const env = generalEnv(participating);
    env.send({ ...report(at(PUBLISHED)), timestamp: at(START) });
    env.send({ ...report('2024-03-01T00:00:00Z', '2024'), timestamp: at(START + 1) });
    env.advanceTo(STALE + DAY_MS);
    env.send({ ...report(undefined, '2026'), timestamp: at(STALE + 2 * DAY_MS) });
    env.advanceTo(STALE + 300 * DAY_MS);

    expect(findingsOf(env, 'G11')).toHaveLength(1);
    expect(clearsOf(env, 'G11').map((c) => at(c.time))).toEqual([at(STALE + 2 * DAY_MS)]);
  });

  it('runs the clock from the first telemetry when no report was ever seen, across a restart', () => {
    const env = generalEnv(participating);
    env.send({ event_type: 'prediction', timestamp: at(START) });
    env.restart();
    env.advanceTo(START + 365 * DAY_MS);

    expect(findingsOf(env, 'G11').map((f) => f.observed)).toEqual([{ last_published: null, version: null, age_days: 365, no_report_since: at(START) }]);
  });
});
