import { modelProfile, type ModelProfile } from '@kanshi/policy-sdk';
import { StaticModelInventory } from './model-inventory';

function profile(tenantId: string, modelId: string, name = modelId): ModelProfile {
  return modelProfile({ tenantId, modelId, name, sectors: ['general'] });
}

describe('StaticModelInventory', () => {
  it('finds a model by tenant and model id', () => {
    const credit = profile('acme', 'credit-score');
    const inventory = new StaticModelInventory([credit, profile('acme', 'churn')]);

    expect(inventory.get('acme', 'credit-score')).toBe(credit);
    expect(inventory.size).toBe(2);
  });

  it('answers undefined for an unknown model', () => {
    const inventory = new StaticModelInventory([profile('acme', 'credit-score')]);

    expect(inventory.get('acme', 'other')).toBeUndefined();
  });

  it('keeps tenants apart: one model id in two tenants is two models', () => {
    const acme = profile('acme', 'shared');
    const globex = profile('globex', 'shared');
    const inventory = new StaticModelInventory([acme, globex]);

    expect(inventory.get('acme', 'shared')).toBe(acme);
    expect(inventory.get('globex', 'shared')).toBe(globex);
    expect(inventory.get('initech', 'shared')).toBeUndefined();
  });

  it('does not confuse ids whose concatenation is the same', () => {
    const inventory = new StaticModelInventory([profile('ab', 'c')]);

    expect(inventory.get('a', 'bc')).toBeUndefined();
    expect(inventory.get('ab', 'c')).toBeDefined();
  });

  it('is empty without models', () => {
    const inventory = new StaticModelInventory([]);

    expect(inventory.size).toBe(0);
    expect(inventory.get('acme', 'credit-score')).toBeUndefined();
    expect(inventory.hasTenant('acme')).toBe(false);
  });

  it('knows the tenants of its models when no tenant list is given', () => {
    const inventory = new StaticModelInventory([profile('acme', 'credit-score')]);

    expect(inventory.hasTenant('acme')).toBe(true);
    expect(inventory.hasTenant('globex')).toBe(false);
  });

  it('knows a tenant that has no models yet when the tenant list names it', () => {
    const inventory = new StaticModelInventory([profile('acme', 'credit-score')], ['acme', 'globex']);

    expect(inventory.hasTenant('globex')).toBe(true);
    expect(inventory.get('globex', 'credit-score')).toBeUndefined();
    expect(inventory.hasTenant('initech')).toBe(false);
  });
});
