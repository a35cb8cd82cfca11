import { createTestSectorEnvironment, DAY_MS } from '@kanshi/policy-sdk';
import { GeneralSectorModule } from './general-sector.module';

const registered = { modelId: 'credit-score', name: 'Credit score', sectors: ['finance'] as const, riskTier: 'T1', owner: 'model-risk@acme', intendedUse: 'Consumer credit decisions' };
const START = Date.parse('2026-01-05T00:00:00Z');

function g1(env: ReturnType<typeof createTestSectorEnvironment>) {
  return env.findings.filter((f) => f.rule.rule.id === 'G1');
}

describe('G1 model not in inventory', () => {
  it('fires for a model with no inventory entry, reporting the observed model id', () => {
    const env = createTestSectorEnvironment(GeneralSectorModule, { models: [registered] });
    env.send({ event_type: 'prediction', model_id: 'shadow-model', model_version: '4.2' });

    expect(g1(env).map((f) => f.observed)).toEqual([{ model_id: 'shadow-model', model_version: '4.2', event_type: 'prediction' }]);
    expect(g1(env)[0]).toMatchObject({ severity: 'high', scope: 'model', evidence: ['test-event-1'] });
  });

  it('reports a null model_version when the event has none', () => {
    const env = createTestSectorEnvironment(GeneralSectorModule);
    env.send({ event_type: 'explanation', model_id: 'shadow-model', payload: { reason_codes: ['R1'] } });

    expect(g1(env).map((f) => f.observed)).toEqual([{ model_id: 'shadow-model', model_version: null, event_type: 'explanation' }]);
  });

  it('does not fire for a model in the inventory', () => {
    const env = createTestSectorEnvironment(GeneralSectorModule, { models: [registered] });
    env.send({ event_type: 'prediction', model_id: 'credit-score' });

    expect(g1(env)).toEqual([]);
  });

  it("carries the brief's id, default severity and scope of events", () => {
    const env = createTestSectorEnvironment(GeneralSectorModule);
    env.send({ event_type: 'drift_metric', model_id: 'x', payload: { feature: 'income', metric: 'psi', value: 0.3 } });

    expect(g1(env)[0]?.rule.rule).toMatchObject({ id: 'G1', defaultSeverity: 'high', reads: 'all' });
  });

  describe('an inventory entry without owner, risk tier or intended use', () => {
    const hollow = { ...registered, owner: null, intendedUse: '  ' };

    it('fires medium once, naming what is missing, and again once a day while the entry stays incomplete', () => {
      const env = createTestSectorEnvironment(GeneralSectorModule, { models: [hollow] });
      env.send({ event_type: 'prediction', model_id: 'credit-score' });
      env.send({ event_type: 'prediction', model_id: 'credit-score' });
      expect(g1(env).map((f) => [f.scope, f.severity, f.occurrence, f.observed])).toEqual([
        ['inventory-entry', 'medium', 'incomplete@2026-01-05', { model_id: 'credit-score', missing: ['owner', 'intended_use'], checked_on: '2026-01-05' }],
      ]);

      env.advanceTo(START + DAY_MS - 1);
      expect(g1(env)).toHaveLength(1);
      env.advanceTo(START + 2 * DAY_MS - 1);
      env.advanceTo(START + 2 * DAY_MS);
      expect(g1(env).map((f) => f.occurrence)).toEqual(['incomplete@2026-01-05', 'incomplete@2026-01-06', 'incomplete@2026-01-07']);
    });

    it('clears once the entry is completed, at the next event or at the next recheck, and then stays quiet', () => {
      const atEvent = createTestSectorEnvironment(GeneralSectorModule, { models: [hollow] });
      atEvent.send({ event_type: 'prediction', model_id: 'credit-score' });
      atEvent.setModel(registered);
      atEvent.send({ event_type: 'explanation', model_id: 'credit-score', payload: { reason_codes: ['R1'] } });
      atEvent.send({ event_type: 'prediction', model_id: 'credit-score' });
      atEvent.advance('3d');
      expect(atEvent.clears.filter((c) => c.rule.rule.id === 'G1').map((c) => c.scope)).toEqual(['inventory-entry']);
      expect(g1(atEvent)).toHaveLength(1);

      const atRecheck = createTestSectorEnvironment(GeneralSectorModule, { models: [hollow] });
      atRecheck.send({ event_type: 'prediction', model_id: 'credit-score' });
      atRecheck.setModel({ ...registered, riskTier: null });
      atRecheck.advance('1d');
      expect(g1(atRecheck).map((f) => (f.observed as { missing: string[] }).missing)).toEqual([['owner', 'intended_use'], ['risk_tier']]);
      atRecheck.setModel(registered);
      atRecheck.advance('1d');
      atRecheck.advance('5d');
      expect(atRecheck.clears.filter((c) => c.rule.rule.id === 'G1').map((c) => c.time)).toEqual([START + 2 * DAY_MS]);
      expect(g1(atRecheck)).toHaveLength(2);
    });

    it('keeps its recheck across a restart, and takes the fields a tenant requires', () => {
      const env = createTestSectorEnvironment(GeneralSectorModule, { models: [hollow], args: { G1: { requiredFields: ['owner'] } } });
      env.send({ event_type: 'prediction', model_id: 'credit-score' });
      env.restart();
      env.send({ event_type: 'prediction', model_id: 'credit-score' });
      env.advance('1d');
      expect(g1(env).map((f) => (f.observed as { missing: string[] }).missing)).toEqual([['owner'], ['owner']]);

      const lenient = createTestSectorEnvironment(GeneralSectorModule, { models: [{ ...hollow, owner: 'risk@acme' }], args: { G1: { requiredFields: ['owner', 'risk_tier'] } } });
      lenient.send({ event_type: 'prediction', model_id: 'credit-score' });
      expect(g1(lenient)).toEqual([]);
    });

    it('keeps nothing for complete entries or for models outside the inventory', () => {
      const env = createTestSectorEnvironment(GeneralSectorModule, { models: [registered] });
      for (let i = 0; i < 5; i++) env.send({ event_type: 'prediction', model_id: i % 2 === 0 ? 'credit-score' : `shadow-${i}` });
      expect(env.stateOf('G1', 'credit-score')).toBeUndefined();
      env.restart();
      expect(g1(env).map((f) => f.scope)).toEqual(['model', 'model']);
    });
  });
});
