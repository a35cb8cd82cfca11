import { satisfies } from 'semver';
import { checkSectorModule, getSectorModuleOptions, POLICY_SDK_VERSION } from '@kanshi/policy-sdk';
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

  it('is compatible with the SDK it is built with', () => {
    expect(satisfies(POLICY_SDK_VERSION, options?.compatibility ?? '')).toBe(true);
  });
});
