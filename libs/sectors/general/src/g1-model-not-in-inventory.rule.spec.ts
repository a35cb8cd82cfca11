import type { ModelProfile, TelemetryEvent } from '@kanshi/policy-sdk';
import { g1ModelNotInInventory } from './g1-model-not-in-inventory.rule';

function event(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    schema_version: '1.0',
    event_id: 'evt-1',
    event_type: 'prediction',
    timestamp: '2025-10-01T00:00:00Z',
    tenant_id: 'acme',
    model_id: 'shadow-model',
    payload: {},
    ...overrides,
  };
}

const registered: ModelProfile = {
  tenantId: 'acme',
  modelId: 'credit-score',
  name: 'Credit score',
  sectors: ['finance'],
  riskTier: 'T1',
  owner: 'model-risk@acme',
  intendedUse: 'retail credit decisions',
};

describe('G1 model not in inventory', () => {
  it('fires for a model with no inventory entry, reporting the observed model id', () => {
    const result = g1ModelNotInInventory.evaluate({ event: event({ model_version: '4.2' }), model: undefined, args: {} });

    expect(result).toEqual({ observed: { model_id: 'shadow-model', model_version: '4.2', event_type: 'prediction' } });
  });

  it('reports a null model_version when the event has none', () => {
    const result = g1ModelNotInInventory.evaluate({ event: event(), model: undefined, args: {} });

    expect(result).toEqual({ observed: { model_id: 'shadow-model', model_version: null, event_type: 'prediction' } });
  });

  it('does not fire for a model in the inventory', () => {
    const result = g1ModelNotInInventory.evaluate({ event: event({ model_id: 'credit-score' }), model: registered, args: {} });

    expect(result).toBeUndefined();
  });

  it('carries the brief\'s id, default severity and scope of events', () => {
    expect(g1ModelNotInInventory).toMatchObject({ id: 'G1', defaultSeverity: 'high', reads: 'all' });
  });
});
