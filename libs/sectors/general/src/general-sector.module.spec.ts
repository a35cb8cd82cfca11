import { satisfies } from 'semver';
import { checkSectorModule, createTestSectorEnvironment, getSectorModuleOptions, judgesModelsOutsideInventory, POLICY_SDK_VERSION, windowSpecOf } from '@kanshi/policy-sdk';
import { g1ModelNotInInventory } from './g1-model-not-in-inventory.rule';
import { GeneralSectorModule } from './general-sector.module';

// Loading it in the engine's registry is covered in policy-core (sector modules may not import
// the engine); here: what the module declares through the SDK.
describe('GeneralSectorModule', () => {
  const options = getSectorModuleOptions(GeneralSectorModule);

  it('is a sector module with the id "general" for every model', () => {
    expect(options).toMatchObject({ id: 'general', sectors: 'all' });
  });

  it('passes the conformance check the engine runs at boot', () => {
    expect(checkSectorModule(GeneralSectorModule)).toEqual([]);
  });

  it('declares every G rule of the brief exactly once', () => {
    const ids = options?.rules.map((r) => r.id) ?? [];

    expect(options?.rules).toContain(g1ModelNotInInventory);
    expect([...ids].sort()).toEqual(['G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8', 'G9', 'G10', 'G11'].sort());
  });

  it("gives every rule a source, a rationale and an argument schema whose properties all carry a default and a description", () => {
    for (const rule of options?.rules ?? []) {
      expect([rule.id, rule.source.length > 0, rule.rationale.length > 0]).toEqual([rule.id, true, true]);
      for (const [name, schema] of Object.entries(rule.args.properties)) {
        expect([rule.id, name, 'default' in schema, typeof schema.description]).toEqual([rule.id, name, true, 'string']);
      }
    }
  });

  it('declares its windows from the arguments in force, so a tenant override shows in the effective policy', () => {
    const windows = Object.fromEntries((options?.rules ?? []).map((r) => [r.id, windowSpecOf(r)]));
    expect(windows).toEqual({
      G1: undefined,
      G2: { kind: 'tumbling', size: '24h', minSamples: 1, lateness: '1h' },
      G3: { kind: 'sliding', size: '7d', minSamples: 1, lateness: '6h' },
      G4: { kind: 'sliding', size: '7d', minSamples: 500, lateness: '1h' },
      G5: { kind: 'tumbling', size: '1h', minSamples: 100, lateness: '5m' },
      G6: { kind: 'tumbling', size: '1h', minSamples: 100, lateness: '5m' },
      G7: undefined,
      G8: undefined,
      G9: { kind: 'tumbling', size: '24h', minSamples: 1000, lateness: '1h' },
      G10: { kind: 'calendar', size: '30d', minSamples: 1, lateness: '1d' },
      G11: undefined,
    });
    const g4 = options?.rules.find((r) => r.id === 'G4');
    expect(g4 && windowSpecOf(g4, { window: '14d', lateness: '2h', minSamples: 50 })).toEqual({ kind: 'sliding', size: '14d', minSamples: 50, lateness: '2h' });
  });

  it('is compatible with the SDK it is built with', () => {
    expect(satisfies(POLICY_SDK_VERSION, options?.compatibility ?? '')).toBe(true);
  });

  it('keeps nothing for models outside the inventory, however many a producer makes up: G1 alone judges them', () => {
    const env = createTestSectorEnvironment(GeneralSectorModule, { models: [{ modelId: 'registered', sectors: ['finance'] }] });
    const events = (modelId: string, i: number) => [
      { event_type: 'prediction' as const, model_id: modelId, trace_id: `t-${i}`, payload: { decision: 'approve', decision_impact: 'high', restricted_attributes: { band: 'a' } } },
      { event_type: 'drift_metric' as const, model_id: modelId, payload: { feature: `f-${i}`, metric: 'psi', value: 0.5 } },
      { event_type: 'performance_metric' as const, model_id: modelId, payload: { metric: 'availability', value: 0.5 } },
      { event_type: 'incident' as const, model_id: modelId, payload: { incident_id: `i-${i}`, type: 'safety', severity: 'high', awareness_time: '2026-01-05T00:00:00Z' } },
    ];
    for (let i = 0; i < 500; i++) for (const event of events(`made-up-${i}`, i)) env.send(event);
    env.advance('400d');

    const stateful = (options?.rules ?? []).filter((r) => !judgesModelsOutsideInventory(r)).map((r) => r.id);
    expect(stateful).toEqual(['G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8', 'G9', 'G10', 'G11']);
    expect(stateful.flatMap((id) => Array.from({ length: 500 }, (_, i) => env.stateOf(id, `made-up-${i}`))).filter((s) => s !== undefined)).toEqual([]);
    expect(new Set(env.findings.map((f) => f.rule.rule.id))).toEqual(new Set(['G1']));
    expect(env.findings).toHaveLength(2000);
  });
});
