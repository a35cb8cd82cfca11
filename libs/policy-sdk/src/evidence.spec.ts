import { Type } from '@sinclair/typebox';
import { createTestSectorEnvironment } from './conformance';
import { Evidence } from './evidence';
import { defineRule } from './rule';
import { SectorModule } from './sector-module.decorator';

describe('Evidence', () => {
  it('writes times and windows as the evidence shows them', () => {
    expect(Evidence.time(Date.UTC(2026, 0, 5, 1))).toBe('2026-01-05T01:00:00.000Z');
    expect(Evidence.window({ start: 0, end: 3_600_000 })).toEqual({ window_start: '1970-01-01T00:00:00.000Z', window_end: '1970-01-01T01:00:00.000Z' });
    expect(Evidence.rounded(1 / 3)).toBe(0.333333);
    expect(Evidence.rounded(2 / 3, 2)).toBe(0.67);
  });

  it('accepts snake_case keys and names the spelling a key of another shape should have', () => {
    expect(Evidence.keyProblem({ incident_id: 'i', days_left: 2, p99: 1, window_start: 'x' })).toBeUndefined();
    expect(Evidence.keyProblem(0.995)).toBeUndefined();
    expect(Evidence.keyProblem(['incidentId'])).toBeUndefined();
    expect(Evidence.keyProblem({ by_feature: { creditScore: 1 } })).toBeUndefined();
    expect(Evidence.keyProblem({ ok: 1, incidentId: 'i' })).toBe('observed key "incidentId" is not snake_case: write "incident_id"');
    expect(Evidence.keyProblem({ 'Window-Start': 'x' })).toBe('observed key "Window-Start" is not snake_case: write "window_start"');
    expect(Evidence.keyProblem({ _n: 1 })).toBe('observed key "_n" is not snake_case: write "n"');
  });

  it('makes the conformance kit refuse a finding whose observed is not snake_case', () => {
    const camel = defineRule({
      id: 'CAMEL',
      title: 't',
      rationale: 'r',
      source: 's',
      defaultSeverity: 'low',
      reads: ['prediction'],
      args: Type.Object({}),
      evaluate: ({ event }) => ({ observed: event.payload['camel'] === true ? { traceId: 't' } : { trace_id: 't' } }),
    });
    @SectorModule({ id: 'camel', description: 'd', sectors: 'all', compatibility: '^0.2.2', rules: [camel] })
    class CamelModule {}

    const env = createTestSectorEnvironment(CamelModule);
    expect(env.send({ event_type: 'prediction' }).findings.map((f) => f.observed)).toEqual([{ trace_id: 't' }]);
    expect(() => env.send({ event_type: 'prediction', payload: { camel: true } })).toThrow('rule CAMEL: observed key "traceId" is not snake_case: write "trace_id"');
  });
});
