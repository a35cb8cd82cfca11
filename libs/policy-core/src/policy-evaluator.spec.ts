import { alertFingerprint, findingId, type Sector, type TelemetryEvent } from '@kanshi/contracts';
import { defineRule, modelProfile, SectorModule, Type, type ModelProfile, type RuleDefinition, type SectorModuleOptions } from '@kanshi/policy-sdk';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';
import { SectorModuleRegistry } from './sector-module-registry';

function event(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    schema_version: '1.0',
    event_id: 'evt-1',
    event_type: 'prediction',
    timestamp: '2025-10-01T00:00:00Z',
    tenant_id: 'acme',
    model_id: 'credit-score',
    payload: {},
    ...overrides,
  };
}

function rule(id: string, overrides: Partial<RuleDefinition> = {}): RuleDefinition {
  return defineRule({
    id,
    title: `Rule ${id}`,
    rationale: 'For the test.',
    source: `Source of ${id}`,
    defaultSeverity: 'medium',
    reads: 'all',
    args: Type.Object({}),
    evaluate: ({ event: e }) => ({ observed: e.event_id }),
    ...overrides,
  });
}

function sectorModule(overrides: Partial<SectorModuleOptions>): new () => object {
  @SectorModule({ id: 'test-module', description: 'Test', sectors: 'all', rules: [], compatibility: '^0.2.0', ...overrides })
  class TestSectorModule {}
  return TestSectorModule;
}

function model(sectors: readonly Sector[]): ModelProfile {
  return modelProfile({ tenantId: 'acme', modelId: 'credit-score', name: 'Credit score', sectors, riskTier: 'T1', owner: 'risk', intendedUse: 'credit' });
}

/** Evaluates the events against the given modules and returns the collector. */
function evaluateAll(
  modules: readonly unknown[],
  events: readonly TelemetryEvent[],
  profile: ModelProfile | undefined = undefined,
): FindingCollector {
  const evaluator = new PolicyEvaluator(SectorModuleRegistry.load(modules));
  const collector = new FindingCollector();
  for (const e of events) evaluator.evaluate(e, profile, collector);
  return collector;
}

describe('PolicyEvaluator with FindingCollector', () => {
  it('groups the findings of many events for one fingerprint into one job', () => {
    const collector = evaluateAll(
      [sectorModule({ id: 'general-test', rules: [rule('R1')] })],
      [event({ event_id: 'evt-1' }), event({ event_id: 'evt-2' }), event({ event_id: 'evt-3' })],
    );

    const jobs = collector.toJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.findings.map((f) => f.event_id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(collector.findingCount).toBe(3);
  });

  it('fills the job from the event, the rule and the module', () => {
    const collector = evaluateAll(
      [sectorModule({ id: 'general-test', rules: [rule('R1', { defaultSeverity: 'high' })] })],
      [event({ event_id: 'evt-9', timestamp: '2025-10-02T03:04:05Z' })],
    );

    const fingerprint = alertFingerprint('acme', 'credit-score', 'R1', 'model');
    expect(collector.toJobs()).toEqual([
      {
        fingerprint,
        tenant_id: 'acme',
        model_id: 'credit-score',
        rule_id: 'R1',
        module_id: 'general-test',
        sector: 'general',
        scope: 'model',
        title: 'Rule R1',
        source: 'Source of R1',
        args: {},
        due_at: null,
        findings: [
          {
            finding_id: findingId(fingerprint, 'evt-9'),
            event_id: 'evt-9',
            occurred_at: '2025-10-02T03:04:05.000Z',
            severity: 'high',
            observed: 'evt-9',
            evidence_event_ids: ['evt-9'],
          },
        ],
      },
    ]);
  });

  it('makes one job per model: events of two models are two alerts', () => {
    const collector = evaluateAll(
      [sectorModule({ rules: [rule('R1')] })],
      [event({ model_id: 'a', event_id: 'e1' }), event({ model_id: 'b', event_id: 'e2' })],
    );

    expect(collector.toJobs().map((j) => j.model_id).sort()).toEqual(['a', 'b']);
  });

  it('gives the same event twice one finding', () => {
    const collector = evaluateAll([sectorModule({ rules: [rule('R1')] })], [event(), event()]);

    expect(collector.findingCount).toBe(1);
    expect(collector.toJobs()[0]?.findings).toHaveLength(1);
  });

  it('keeps the higher severity when the same event is seen twice', () => {
    let calls = 0;
    const escalating = rule('R1', {
      evaluate: () => {
        calls += 1;
        return { observed: calls, severity: calls === 1 ? 'critical' : 'low' };
      },
    });

    const collector = evaluateAll([sectorModule({ rules: [escalating] })], [event(), event()]);

    expect(collector.toJobs()[0]?.findings[0]?.severity).toBe('critical');
  });

  it('reports a rule that throws in failures and still runs the other rules', () => {
    const boom = new Error('plug-in bug');
    const throwing = rule('BAD', {
      evaluate: () => {
        throw boom;
      },
    });

    const collector = evaluateAll(
      [sectorModule({ id: 'buggy', rules: [throwing, rule('GOOD')] })],
      [event({ event_id: 'evt-7' })],
    );

    expect(collector.failures).toEqual([{ ruleId: 'BAD', moduleId: 'buggy', trigger: 'evt-7', error: boom }]);
    expect(collector.toJobs().map((j) => j.rule_id)).toEqual(['GOOD']);
  });

  it('keeps going with the next events after a rule threw', () => {
    const throwsOnFirst = rule('FLAKY', {
      evaluate: ({ event: e }) => {
        if (e.event_id === 'e1') throw new Error('nope');
        return { observed: e.event_id };
      },
    });

    const collector = evaluateAll([sectorModule({ rules: [throwsOnFirst] })], [event({ event_id: 'e1' }), event({ event_id: 'e2' })]);

    expect(collector.failures.map((f) => f.trigger)).toEqual(['e1']);
    expect(collector.toJobs()[0]?.findings.map((f) => f.event_id)).toEqual(['e2']);
  });

  it('uses the severity a result gives over the rule default', () => {
    const overriding = rule('R1', { defaultSeverity: 'low', evaluate: () => ({ observed: 1, severity: 'critical' }) });

    const collector = evaluateAll([sectorModule({ rules: [overriding] })], [event()]);

    expect(collector.toJobs()[0]?.findings[0]?.severity).toBe('critical');
  });

  it('uses the rule default severity when the result gives none', () => {
    const collector = evaluateAll([sectorModule({ rules: [rule('R1', { defaultSeverity: 'high' })] })], [event()]);

    expect(collector.toJobs()[0]?.findings[0]?.severity).toBe('high');
  });

  it('defaults the scope to "model" and groups by scope when a rule gives one', () => {
    const perFeature = rule('R2', {
      evaluate: () => [{ observed: 0.3, scope: 'feature:income' }, { observed: 0.4, scope: 'feature:age' }],
    });

    const collector = evaluateAll([sectorModule({ rules: [rule('R1'), perFeature] })], [event()]);

    const scopes = collector.toJobs().map((j) => `${j.rule_id}/${j.scope}`);
    expect(scopes.sort()).toEqual(['R1/model', 'R2/feature:age', 'R2/feature:income']);
    const r2Age = collector.toJobs().find((j) => j.scope === 'feature:age');
    expect(r2Age?.fingerprint).toBe(alertFingerprint('acme', 'credit-score', 'R2', 'feature:age'));
  });

  it('adds no finding when a rule returns nothing or an empty list', () => {
    const quiet = rule('Q1', { evaluate: () => undefined });
    const empty = rule('Q2', { evaluate: () => [] });

    const collector = evaluateAll([sectorModule({ rules: [quiet, empty] })], [event()]);

    expect(collector.toJobs()).toEqual([]);
    expect(collector.findingCount).toBe(0);
  });

  it('records a deadline given by a clock rule', () => {
    const clock = rule('C1', { evaluate: () => ({ observed: 'incident', dueAt: new Date('2025-10-16T00:00:00Z') }) });

    const collector = evaluateAll([sectorModule({ rules: [clock] })], [event()]);

    expect(collector.toJobs()[0]?.due_at).toBe('2025-10-16T00:00:00.000Z');
  });

  it('passes the resolved default arguments to the rule and records them on the job', () => {
    const seen: unknown[] = [];
    const thresholds = rule('T1', {
      args: Type.Object({ threshold: Type.Number({ default: 0.25 }) }),
      evaluate: ({ args }) => {
        seen.push(args);
        return { observed: 0.3 };
      },
    });

    const collector = evaluateAll([sectorModule({ rules: [thresholds] })], [event()]);

    expect(seen).toEqual([{ threshold: 0.25 }]);
    expect(collector.toJobs()[0]?.args).toEqual({ threshold: 0.25 });
  });

  it('records the sector of the model that the module matched', () => {
    const collector = evaluateAll(
      [sectorModule({ id: 'fin-med', sectors: ['finance', 'medical'], rules: [rule('FM1')] })],
      [event()],
      model(['medical']),
    );

    expect(collector.toJobs()[0]?.sector).toBe('medical');
  });

  it.each([
    ['a string', 'oops'],
    ['a list holding null', [null]],
    ['an unknown severity', { observed: 1, severity: 'urgent' }],
    ['an invalid deadline', { observed: 1, dueAt: new Date('not a date') }],
    ['an empty scope', { observed: 1, scope: '' }],
    ['an observed value JSON cannot encode', { observed: 10n }],
    ['an observed value over the size limit', { observed: 'x'.repeat(20_000) }],
  ])('reports a rule that returns %s as that rule failing, and keeps the other rules', (_label, bad) => {
    const broken = rule('R1', { evaluate: () => bad as never });
    const collector = evaluateAll([sectorModule({ id: 'general-test', rules: [broken, rule('R2')] })], [event({ event_id: 'e1' })]);

    expect(collector.failures.map((f) => f.ruleId)).toEqual(['R1']);
    expect(collector.toJobs().map((j) => j.rule_id)).toEqual(['R2']);
  });

  it('keeps the earliest deadline of several findings for one alert', () => {
    const dues = { e1: '2026-01-10T00:00:00.000Z', e2: '2026-01-05T00:00:00.000Z', e3: '2026-01-20T00:00:00.000Z' };
    const clock = rule('M7', { evaluate: ({ event: e }) => ({ observed: 1, dueAt: new Date(dues[e.event_id as keyof typeof dues]) }) });
    const collector = evaluateAll(
      [sectorModule({ id: 'general-test', rules: [clock] })],
      [event({ event_id: 'e1' }), event({ event_id: 'e2' }), event({ event_id: 'e3' })],
    );
    expect(collector.toJobs()[0]?.due_at).toBe('2026-01-05T00:00:00.000Z');
  });

  it('only calls a rule for the event types it reads', () => {
    const predictionsOnly = rule('P1', { reads: ['prediction'] });

    const collector = evaluateAll([sectorModule({ rules: [predictionsOnly] })], [event({ event_type: 'drift_metric' })]);

    expect(collector.findingCount).toBe(0);
  });

  it('turns clears of rules that declare recovery into clear jobs, the earliest and the latest per fingerprint, and drops the others', () => {
    const clearing = (id: string, recovery?: { clearFor: '1h' }) =>
      rule(id, { ...(recovery ? { recovery } : {}), evaluate: ({ event: e }) => (e.payload['bad'] === true ? { observed: 1 } : { kind: 'clear' }) });
    const collector = evaluateAll(
      [sectorModule({ rules: [clearing('R1', { clearFor: '1h' }), clearing('R2')] })],
      [
        event({ event_id: 'a', timestamp: '2025-10-01T00:10:00Z' }),
        event({ event_id: 'b', timestamp: '2025-10-01T00:00:00Z' }),
        event({ event_id: 'c', timestamp: '2025-10-01T00:20:00Z' }),
        event({ event_id: 'd', timestamp: '2025-10-01T00:30:00Z' }),
        event({ event_id: 'e', payload: { bad: true } }),
      ],
    );

    const fingerprint = alertFingerprint('acme', 'credit-score', 'R1', 'model');
    expect(collector.toClearJobs().map((j) => [j.fingerprint, j.cleared_at])).toEqual([
      [fingerprint, '2025-10-01T00:00:00.000Z'],
      [fingerprint, '2025-10-01T00:30:00.000Z'],
    ]);
    expect(collector.toClearJobs()[0]).toEqual(
      {
        fingerprint: alertFingerprint('acme', 'credit-score', 'R1', 'model'),
        tenant_id: 'acme',
        model_id: 'credit-score',
        rule_id: 'R1',
        scope: 'model',
        cleared_at: '2025-10-01T00:00:00.000Z',
        clear_for_ms: 3_600_000,
      },
    );
    expect(collector.toJobs().map((j) => j.rule_id).sort()).toEqual(['R1', 'R2']);
  });

  it('keeps the latest verdict of each windowed rule with state per model and scope: fail, pass or insufficient data, not a state limit', () => {
    const verdictOf = (payload: Record<string, unknown>) => {
      if (payload['v'] === 'fail') return { observed: { n: 40 } };
      if (payload['v'] === 'limit') return { scope: 'state-limit', observed: { state_limit: 'x' } };
      return payload['v'] === 'pass' ? { kind: 'clear' as const } : { kind: 'insufficient' as const, observed: { n: 3, min_samples: 100 } };
    };
    const windowed = rule('W1', { window: { kind: 'tumbling', size: '1h' }, initialState: () => ({}), evaluate: ({ event: e }) => verdictOf(e.payload) });
    const plain = rule('P1', { evaluate: ({ event: e }) => verdictOf(e.payload) });
    // Windowed but stateless: it judges any model id, so it must leave no row per model id.
    const stateless = rule('W2', { window: { kind: 'tumbling', size: '1h' }, evaluate: ({ event: e }) => verdictOf(e.payload) });
    const collector = evaluateAll(
      [sectorModule({ rules: [windowed, plain, stateless] })],
      [
        event({ event_id: 'a', timestamp: '2025-10-01T01:00:00Z', payload: { v: 'fail' } }),
        event({ event_id: 'b', timestamp: '2025-10-01T03:00:00Z', payload: { v: 'insufficient' } }),
        event({ event_id: 'c', timestamp: '2025-10-01T02:00:00Z', payload: { v: 'pass' } }),
        event({ event_id: 'd', timestamp: '2025-10-01T04:00:00Z', payload: { v: 'limit' } }),
      ],
      model([]),
    );

    expect(collector.toVerdicts()).toEqual([
      { tenantId: 'acme', modelId: 'credit-score', ruleId: 'W1', scope: 'model', verdict: 'insufficient', observed: { n: 3, min_samples: 100 }, judgedAt: '2025-10-01T03:00:00.000Z' },
    ]);
  });
});
