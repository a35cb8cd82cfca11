import type { TelemetryEvent } from '@kanshi/contracts';
import { defineRule, modelProfile, SectorModule, Type, type ModelProfile } from '@kanshi/policy-sdk';
import { StaticModelInventory } from './model-inventory';
import { PolicyEvaluator } from './policy-evaluator';
import { SectorModuleRegistry } from './sector-module-registry';
import { TelemetryBatchProcessor, type TelemetryRecord } from './telemetry-batch.processor';

/** Fires on every event of a model missing from the inventory (like G1). */
const unregistered = defineRule({
  id: 'U1',
  title: 'Unregistered model',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'high',
  reads: 'all',
  args: Type.Object({}),
  evaluate: ({ event, model }) => (model === undefined ? { observed: event.model_id } : undefined),
});

const throwing = defineRule({
  id: 'X1',
  title: 'Always throws',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'low',
  reads: ['incident'],
  args: Type.Object({}),
  evaluate: () => {
    throw new Error('plug-in bug');
  },
});

@SectorModule({ id: 'test-general', description: 'Test', sectors: 'all', rules: [unregistered, throwing], compatibility: '^0.2.0' })
class TestGeneralModule {}

const knownModel: ModelProfile = modelProfile({
  tenantId: 'acme',
  modelId: 'known',
  name: 'Known model',
  sectors: ['finance'],
  riskTier: 'T2',
  owner: 'risk',
  intendedUse: 'credit',
});

function event(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    schema_version: '1.0',
    event_id: 'evt-1',
    event_type: 'prediction',
    timestamp: '2025-10-01T00:00:00Z',
    tenant_id: 'acme',
    model_id: 'unknown',
    payload: {},
    ...overrides,
  };
}

let nextOffset = 0;

function record(value: unknown, key: string | null = null): TelemetryRecord {
  nextOffset += 1;
  return {
    topic: 'kanshi.telemetry.v1',
    partition: 0,
    offset: String(nextOffset),
    key: key === null ? null : Buffer.from(key, 'utf8'),
    value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'),
  };
}

function processor(maxEventBytes = 4096): TelemetryBatchProcessor {
  const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule]));
  // globex is a tenant with no models yet.
  return new TelemetryBatchProcessor(evaluator, new StaticModelInventory([knownModel], ['acme', 'globex']), maxEventBytes);
}

describe('TelemetryBatchProcessor', () => {
  it('evaluates a good batch and counts events and findings', () => {
    const outcome = processor().process([
      record(event({ event_id: 'e1' }), 'acme:unknown'),
      record(event({ event_id: 'e2' }), 'acme:unknown'),
      record(event({ event_id: 'e3', model_id: 'known' }), 'acme:known'),
    ]);

    expect(outcome.evaluated).toBe(3);
    expect(outcome.findings).toBe(2);
    expect(outcome.deadLetters).toEqual([]);
    expect(outcome.alertJobs).toHaveLength(1);
    expect(outcome.alertJobs[0]).toMatchObject({ rule_id: 'U1', model_id: 'unknown', tenant_id: 'acme' });
  });

  it('dead-letters each bad record with its reason and still evaluates the good record after it', () => {
    const notJson = record('{oops', 'acme:unknown');
    const tombstone = record(null, 'acme:unknown');
    const tooLarge = record(event({ payload: { blob: 'x'.repeat(5000) } }), 'acme:unknown');
    const invalid = record({ ...event(), event_type: 'guess' }, 'acme:unknown');
    const futureVersion = record(event({ schema_version: '2.0' }), 'acme:unknown');
    const good = record(event({ event_id: 'after-the-bad-ones' }), 'acme:unknown');

    const outcome = processor().process([notJson, tombstone, tooLarge, invalid, futureVersion, good]);

    expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason])).toEqual([
      [notJson.offset, 'NOT_JSON'],
      [tombstone.offset, 'NOT_JSON'],
      [tooLarge.offset, 'TOO_LARGE'],
      [invalid.offset, 'SCHEMA_INVALID'],
      [futureVersion.offset, 'UNSUPPORTED_VERSION'],
    ]);
    expect(outcome.evaluated).toBe(1);
    expect(outcome.alertJobs[0]?.findings.map((f) => f.event_id)).toEqual(['after-the-bad-ones']);
  });

  it('keeps the original record and a readable error on a dead letter', () => {
    const invalid = record({ ...event(), event_type: 'guess' }, 'acme:unknown');

    const [dead] = processor().process([invalid]).deadLetters;

    expect(dead?.record).toBe(invalid);
    expect(dead?.error).toContain('/event_type');
  });

  it('dead-letters an event whose tenant differs from the record key with TENANT_MISMATCH', () => {
    const outcome = processor().process([record(event({ tenant_id: 'acme' }), 'globex:unknown')]);

    expect(outcome.evaluated).toBe(0);
    expect(outcome.alertJobs).toEqual([]);
    expect(outcome.deadLetters).toHaveLength(1);
    expect(outcome.deadLetters[0]?.reason).toBe('TENANT_MISMATCH');
    expect(outcome.deadLetters[0]?.error).toContain('"globex"');
    expect(outcome.deadLetters[0]?.error).toContain('"acme"');
  });

  it('dead-letters an event of a tenant that does not exist with UNKNOWN_TENANT and goes on', () => {
    const stranger = record(event({ tenant_id: 'initech', event_id: 'x1' }), 'initech:unknown');
    const good = record(event({ event_id: 'after' }), 'acme:unknown');

    const outcome = processor().process([stranger, good]);

    expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason])).toEqual([[stranger.offset, 'UNKNOWN_TENANT']]);
    expect(outcome.deadLetters[0]?.error).toContain('"initech"');
    expect(outcome.evaluated).toBe(1);
    expect(outcome.alertJobs.map((j) => j.tenant_id)).toEqual(['acme']);
  });

  it('evaluates a record without a key', () => {
    const outcome = processor().process([record(event(), null)]);

    expect(outcome.evaluated).toBe(1);
    expect(outcome.deadLetters).toEqual([]);
  });

  it('looks the model up in the inventory: a known model raises no G1-like finding', () => {
    const outcome = processor().process([record(event({ model_id: 'known' }), 'acme:known')]);

    expect(outcome.evaluated).toBe(1);
    expect(outcome.findings).toBe(0);
  });

  it('does not share the model inventory across tenants', () => {
    const outcome = processor().process([record(event({ tenant_id: 'globex', model_id: 'known' }), 'globex:known')]);

    expect(outcome.findings).toBe(1);
  });

  it('reports rule failures without dead-lettering the event', () => {
    const outcome = processor().process([record(
        event({
          event_type: 'incident',
          event_id: 'inc-1',
          payload: { incident_id: 'INC-1', type: 'malfunction', severity: 'high', awareness_time: '2026-03-03T11:05:00+09:00' },
        }),
        'acme:unknown',
      )]);

    expect(outcome.evaluated).toBe(1);
    expect(outcome.deadLetters).toEqual([]);
    expect(outcome.ruleFailures).toEqual([expect.objectContaining({ ruleId: 'X1', moduleId: 'test-general', trigger: 'inc-1' })]);
    expect(outcome.findings).toBe(1);
  });

  it('counts a redelivered event once', () => {
    const outcome = processor().process([record(event(), 'acme:unknown'), record(event(), 'acme:unknown')]);

    expect(outcome.evaluated).toBe(2);
    expect(outcome.findings).toBe(1);
  });

  it('reports the latest model_deployment of each inventory model, and none for unknown models', () => {
    const deployment = (id: string, timestamp: string, modelId: string, version: string) =>
      record(event({ event_id: id, event_type: 'model_deployment', timestamp, model_id: modelId, payload: { version, hash: `sha256:${version}` } }), `acme:${modelId}`);
    const outcome = processor().process([
      deployment('d1', '2025-10-01T00:00:02Z', 'known', '2.0.0'),
      deployment('d2', '2025-10-01T00:00:01+00:00', 'known', '1.9.0'),
      deployment('d3', '2025-10-01T00:00:03Z', 'unknown', '9.0.0'),
      record(event({ event_id: 'p1', model_id: 'known' }), 'acme:known'),
    ]);
    expect(outcome.deployments).toEqual([{ tenantId: 'acme', modelId: 'known', version: '2.0.0', hash: 'sha256:2.0.0', deployedAt: '2025-10-01T00:00:02.000Z' }]);
  });

  it('skips a rule the overrides switch off for a model', () => {
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule]), (rule, _tenant, modelId) =>
      rule.rule.id === 'U1' && modelId === 'quiet' ? undefined : rule.defaultArgs,
    );
    const outcome = new TelemetryBatchProcessor(evaluator, new StaticModelInventory([knownModel], ['acme']), 4096).process([
      record(event({ event_id: 'q1', model_id: 'quiet' }), 'acme:quiet'),
      record(event({ event_id: 'l1', model_id: 'loud' }), 'acme:loud'),
    ]);
    expect(outcome.alertJobs.map((j) => j.model_id)).toEqual(['loud']);
  });

  it('reports the newest event time it evaluated, for the partition clock', () => {
    const outcome = processor().process([
      record(event({ event_id: 'a', timestamp: '2026-11-24T10:00:00Z' })),
      record(event({ event_id: 'b', timestamp: '2026-11-24T11:00:00Z' })),
      record(event({ event_id: 'c', timestamp: '2026-11-24T09:00:00Z' })),
    ]);
    expect(outcome.latestEventTime).toBe(Date.parse('2026-11-24T11:00:00Z'));
  });

  it('reports the newest event time per inventory model, and nothing for models outside it', () => {
    const outcome = processor().process([
      record(event({ model_id: 'known', timestamp: '2026-11-24T10:00:05Z' }), 'acme:known'),
      record(event({ model_id: 'known', timestamp: '2026-11-24T10:00:09Z' }), 'acme:known'),
      record(event({ model_id: 'known', timestamp: '2026-11-24T10:00:01Z' }), 'acme:known'),
      record(event({ model_id: 'unknown', timestamp: '2026-11-24T11:00:00Z' }), 'acme:unknown'),
    ]);
    expect(outcome.telemetrySeen).toEqual([{ tenantId: 'acme', modelId: 'known', lastEventAt: '2026-11-24T10:00:09.000Z' }]);
  });

  it('returns an empty outcome for an empty batch', () => {
    expect(processor().process([])).toEqual({ evaluated: 0, findings: 0, deadLetters: [], alertJobs: [], clearJobs: [], ruleFailures: [], deployments: [], latestEventTime: null, telemetrySeen: [] });
  });
});
