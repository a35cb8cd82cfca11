import { createTestSectorEnvironment } from '@kanshi/policy-sdk';
import { GeneralSectorModule } from './general-sector.module';

const registered = { modelId: 'credit-score', name: 'Credit score', sectors: ['finance'] as const, riskTier: 'T1', owner: 'model-risk@acme' };

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
});
