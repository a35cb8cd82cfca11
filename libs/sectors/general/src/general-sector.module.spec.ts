import { satisfies } from 'semver';
import { getSectorModuleOptions, POLICY_SDK_VERSION } from '@kanshi/policy-sdk';
import { g1ModelNotInInventory } from './g1-model-not-in-inventory.rule';
import { GeneralSectorModule } from './general-sector.module';

// Loading it in the engine's registry is covered in policy-core (sector modules may not import
// the engine); here: what the module declares through the SDK.
describe('GeneralSectorModule', () => {
  const options = getSectorModuleOptions(GeneralSectorModule);

  it('is a sector module with the id "general" for every model', () => {
    expect(options).toMatchObject({ id: 'general', sectors: 'all' });
  });

  it('declares G1', () => {
    expect(options?.rules).toContain(g1ModelNotInInventory);
  });

  it('is compatible with the SDK it is built with', () => {
    expect(satisfies(POLICY_SDK_VERSION, options?.compatibility ?? '')).toBe(true);
  });

  it('declares each rule id once', () => {
    const ids = options?.rules.map((r) => r.id) ?? [];

    expect(new Set(ids).size).toBe(ids.length);
  });
});
