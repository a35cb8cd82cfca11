import { satisfies } from 'semver';
import { checkSectorModule, getSectorModuleOptions, POLICY_SDK_VERSION } from '@kanshi/policy-sdk';
import { PrivacyAppiSectorModule } from './privacy-appi-sector.module';

// The privacy table of the policy brief, and P13 for the final-report clock of its clock table.
const BRIEF_IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P10', 'P11', 'P12', 'P13'];
const BRIEF_SEVERITIES: Record<string, string> = { P7: 'high', P8: 'high', P9: 'high', P10: 'high', P11: 'medium', P12: 'high', P13: 'medium' };

describe('PrivacyAppiSectorModule', () => {
  const options = getSectorModuleOptions(PrivacyAppiSectorModule);
  const rules = options?.rules ?? [];

  it('conforms to the SDK', () => {
    expect(checkSectorModule(PrivacyAppiSectorModule)).toEqual([]);
    expect(satisfies(POLICY_SDK_VERSION, options?.compatibility ?? '')).toBe(true);
  });

  it('is the module "privacy-appi" for every model', () => {
    expect(options).toMatchObject({ id: 'privacy-appi', sectors: 'all' });
  });

  it('declares every rule of the brief exactly once', () => {
    expect([...rules.map((r) => r.id)].sort()).toEqual([...BRIEF_IDS].sort());
  });

  it('gives each rule the brief’s severity, a rationale, a source and described arguments', () => {
    for (const rule of rules) {
      expect([rule.id, rule.defaultSeverity]).toEqual([rule.id, BRIEF_SEVERITIES[rule.id] ?? 'critical']);
      expect(rule.rationale.length).toBeGreaterThan(20);
      expect(rule.source.length).toBeGreaterThan(5);
      for (const [name, schema] of Object.entries(rule.args.properties)) {
        expect([rule.id, name, typeof (schema as { description?: unknown }).description]).toEqual([rule.id, name, 'string']);
      }
    }
  });
});
