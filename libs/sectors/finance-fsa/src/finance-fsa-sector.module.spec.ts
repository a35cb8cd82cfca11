import { satisfies } from 'semver';
import { checkSectorModule, getSectorModuleOptions, POLICY_SDK_VERSION } from '@kanshi/policy-sdk';
import { FinanceFsaSectorModule } from './finance-fsa-sector.module';

// The finance table of the policy brief, and F12 for the Banking Act clock of its clock table.
const BRIEF_IDS = ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'F11', 'F12'];

describe('FinanceFsaSectorModule', () => {
  const options = getSectorModuleOptions(FinanceFsaSectorModule);

  it('conforms to the SDK', () => {
    expect(checkSectorModule(FinanceFsaSectorModule)).toEqual([]);
    expect(satisfies(POLICY_SDK_VERSION, options?.compatibility ?? '')).toBe(true);
  });

  it('is the finance module', () => {
    expect(options).toMatchObject({ id: 'finance-fsa', sectors: ['finance'] });
  });

  it('declares every rule of the brief exactly once, and no other', () => {
    const ids = options?.rules.map((r) => r.id) ?? [];
    expect([...ids].sort()).toEqual([...BRIEF_IDS].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every rule: rationale, source, and a description on every argument', () => {
    for (const rule of options?.rules ?? []) {
      expect([rule.id, rule.title.length > 0, rule.rationale.length > 0, rule.source.length > 0]).toEqual([rule.id, true, true, true]);
      for (const [name, schema] of Object.entries(rule.args.properties)) {
        expect([rule.id, name, typeof (schema as { description?: unknown }).description, (schema as { default?: unknown }).default !== undefined]).toEqual([rule.id, name, 'string', true]);
      }
    }
  });
});
