import { satisfies } from 'semver';
import { checkSectorModule, getSectorModuleOptions, POLICY_SDK_VERSION, windowSpecOf } from '@kanshi/policy-sdk';
import { MedicalPmdaSectorModule } from './medical-pmda-sector.module';
import { findingsOf, medicalEnv } from './medical-spec-support';

const BRIEF_IDS = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10', 'M11', 'M12'];
const BRIEF_SEVERITY: Record<string, string> = { M1: 'critical', M2: 'critical', M3: 'critical', M9: 'critical', M6: 'medium', M11: 'medium' };

describe('MedicalPmdaSectorModule', () => {
  const options = getSectorModuleOptions(MedicalPmdaSectorModule);
  const rules = options?.rules ?? [];

  it('conforms to the SDK and judges medical models only', () => {
    expect(checkSectorModule(MedicalPmdaSectorModule)).toEqual([]);
    expect(options).toMatchObject({ id: 'medical-pmda', sectors: ['medical'] });
    expect(satisfies(POLICY_SDK_VERSION, options?.compatibility ?? '')).toBe(true);
  });

  it('declares every rule of the brief exactly once, with its default severity', () => {
    expect(rules.map((r) => r.id).sort()).toEqual([...BRIEF_IDS].sort());
    for (const rule of rules) expect(rule.defaultSeverity).toBe(BRIEF_SEVERITY[rule.id] ?? 'high');
  });

  it('documents every argument with a default and a description, and every rule with a source', () => {
    for (const rule of rules) {
      expect(rule.source).toMatch(/PMD Act/);
      expect(rule.rationale.length).toBeGreaterThan(40);
      for (const [name, schema] of Object.entries(rule.args.properties)) {
        expect([rule.id, name, 'default' in schema, typeof schema.description]).toEqual([rule.id, name, true, 'string']);
      }
    }
  });

  it("declares its windows from the arguments in force, so a tenant's override shows", () => {
    const windowed = rules.filter((r) => windowSpecOf(r) !== undefined);
    expect(windowed.map((r) => r.id).sort()).toEqual(['M10', 'M11', 'M4', 'M6']);
    for (const rule of windowed) {
      expect(windowSpecOf(rule, { window: '2d', lateness: '3h', minSamples: 7 })).toEqual({ kind: rule.id === 'M4' ? 'sliding' : 'tumbling', size: '2d', lateness: '3h', minSamples: 7 });
    }
  });

  it('does not judge models of other sectors', () => {
    const env = medicalEnv({ sectors: ['finance'] });
    env.send({ event_type: 'model_deployment', payload: { version: '9.9.9', change_type: 'architecture' } });
    env.send({ event_type: 'incident', payload: { incident_id: 'S-1', type: 'security', severity: 'high', awareness_time: '2026-01-05T00:00:00Z' } });

    expect(env.findings.filter((f) => f.rule.moduleId === 'medical-pmda')).toEqual([]);
    expect(findingsOf(env, 'M12')).toEqual([]);
  });
});
