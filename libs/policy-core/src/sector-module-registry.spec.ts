import type { Sector } from '@kanshi/contracts';
import { defineRule, modelProfile, POLICY_SDK_VERSION, SectorModule, Type, type ModelProfile, type RuleDefinition, type SectorModuleOptions } from '@kanshi/policy-sdk';
import { GeneralSectorModule } from '@kanshi/sector-general';
import { SectorModuleError, SectorModuleRegistry } from './sector-module-registry';

function rule(id: string, overrides: Partial<RuleDefinition> = {}): RuleDefinition {
  return defineRule({
    id,
    title: `Rule ${id}`,
    rationale: 'For the test.',
    source: 'Test guideline',
    defaultSeverity: 'medium',
    reads: 'all',
    args: Type.Object({}),
    evaluate: () => ({ observed: true }),
    ...overrides,
  });
}

/** A sector module class, decorated as a plug-in author would. */
function sectorModule(overrides: Partial<SectorModuleOptions> = {}): new () => object {
  @SectorModule({
    id: 'test-module',
    description: 'Test sector module',
    sectors: 'all',
    rules: [],
    compatibility: '^0.2.0',
    ...overrides,
  })
  class TestSectorModule {}
  return TestSectorModule;
}

function model(sectors: readonly Sector[], modelId = 'm1'): ModelProfile {
  return modelProfile({ tenantId: 'acme', modelId, name: modelId, sectors, riskTier: 'T1', owner: 'risk@acme', intendedUse: 'test' });
}

function loadError(moduleClasses: readonly unknown[]): SectorModuleError {
  try {
    SectorModuleRegistry.load(moduleClasses);
  } catch (error) {
    if (error instanceof SectorModuleError) return error;
    throw error;
  }
  throw new Error('expected SectorModuleRegistry.load to throw');
}

describe('SectorModuleRegistry.load', () => {
  it('loads valid modules and keeps their options', () => {
    const registry = SectorModuleRegistry.load([sectorModule({ id: 'a', rules: [rule('A1')] })]);

    expect(registry.modules.map((m) => m.id)).toEqual(['a']);
  });

  it('refuses an undecorated class, naming the class', () => {
    class NotASectorModule {}

    const error = loadError([NotASectorModule]);

    expect(error.name).toBe('SectorModuleError');
    expect(error.message).toContain('NotASectorModule');
    expect(error.message).toContain('@SectorModule');
  });

  it('refuses a module built for another SDK major, naming the module and both versions', () => {
    const error = loadError([sectorModule({ id: 'future-finance', compatibility: '^2.0.0' })]);

    expect(error.message).toContain('"future-finance"');
    expect(error.message).toContain('^2.0.0');
    expect(error.message).toContain(POLICY_SDK_VERSION);
  });

  it('checks the range against the SDK version it is given', () => {
    const futureModule = sectorModule({ compatibility: '^2.0.0' });

    expect(() => SectorModuleRegistry.load([futureModule], '2.3.1')).not.toThrow();
    expect(() => SectorModuleRegistry.load([futureModule], '3.0.0')).toThrow(SectorModuleError);
  });

  it('refuses a compatibility that is not a semver range', () => {
    const error = loadError([sectorModule({ id: 'sloppy', compatibility: 'latest please' })]);

    expect(error.message).toContain('"sloppy"');
    expect(error.message).toContain('latest please');
    expect(error.message).toContain('not a semver range');
  });

  it('refuses two modules with one id', () => {
    const error = loadError([sectorModule({ id: 'twin' }), sectorModule({ id: 'twin' })]);

    expect(error.message).toContain('"twin"');
    expect(error.message).toContain('unique');
  });

  it('refuses one rule id declared by two modules, naming both modules', () => {
    const error = loadError([
      sectorModule({ id: 'first', rules: [rule('R1')] }),
      sectorModule({ id: 'second', rules: [rule('R1')] }),
    ]);

    expect(error.message).toContain('"R1"');
    expect(error.message).toContain('"first"');
    expect(error.message).toContain('"second"');
  });

  it('refuses a rule whose arguments have no defaults, naming the rule, module and argument', () => {
    const noDefault = rule('T1', { args: Type.Object({ threshold: Type.Number() }) });

    const error = loadError([sectorModule({ id: 'thresholds', rules: [noDefault] })]);

    expect(error.message).toContain('T1');
    expect(error.message).toContain('"thresholds"');
    expect(error.message).toContain('threshold');
  });

  it('refuses a default that does not satisfy its own schema', () => {
    const badDefault = rule('T2', { args: Type.Object({ threshold: Type.Number({ default: 'high' }) }) });

    expect(() => SectorModuleRegistry.load([sectorModule({ rules: [badDefault] })])).toThrow(SectorModuleError);
  });

  it('resolves every argument default once, at load', () => {
    const withDefaults = rule('T3', {
      args: Type.Object({ threshold: Type.Number({ default: 0.25 }), window: Type.String({ default: '24h' }) }),
    });
    const registry = SectorModuleRegistry.load([sectorModule({ rules: [withDefaults] })]);

    const [registered] = registry.rulesFor('drift_metric', undefined);

    expect(registered?.defaultArgs).toEqual({ threshold: 0.25, window: '24h' });
    expect(Object.isFrozen(registered?.defaultArgs)).toBe(true);
  });

  it('loads the general sector module', () => {
    const registry = SectorModuleRegistry.load([GeneralSectorModule]);

    expect(registry.modules.map((m) => m.id)).toEqual(['general']);
    expect(registry.rulesFor('prediction', undefined).map((r) => r.rule.id)).toContain('G1');
  });
});

describe('SectorModuleRegistry.rulesFor', () => {
  const everyModel = sectorModule({ id: 'general-test', sectors: 'all', rules: [rule('GA')] });
  const financeOnly = sectorModule({
    id: 'finance-test',
    sectors: ['finance'],
    rules: [rule('F-ALL'), rule('F-PRED', { reads: ['prediction'] })],
  });
  const medicalOnly = sectorModule({ id: 'medical-test', sectors: ['medical'], rules: [rule('M-ALL')] });
  const financeAndMedical = sectorModule({ id: 'both-test', sectors: ['finance', 'medical'], rules: [rule('B-ALL')] });

  const registry = SectorModuleRegistry.load([everyModel, financeOnly, medicalOnly, financeAndMedical]);

  function ruleIds(eventType: Parameters<SectorModuleRegistry['rulesFor']>[0], profile: ModelProfile | undefined): string[] {
    return registry.rulesFor(eventType, profile).map((r) => r.rule.id);
  }

  it('gives an unknown model the rules of the modules for every model, only', () => {
    expect(ruleIds('prediction', undefined)).toEqual(['GA']);
  });

  it('gives a finance model the finance rules and the rules for every model', () => {
    expect(ruleIds('prediction', model(['finance'])).sort()).toEqual(['B-ALL', 'F-ALL', 'F-PRED', 'GA']);
  });

  it('does not give a medical model the finance-only rules', () => {
    expect(ruleIds('prediction', model(['medical'])).sort()).toEqual(['B-ALL', 'GA', 'M-ALL']);
  });

  it('filters by the event types a rule reads', () => {
    const ids = ruleIds('drift_metric', model(['finance']));

    expect(ids).toContain('F-ALL');
    expect(ids).not.toContain('F-PRED');
  });

  it('gives a model of two sectors both modules\' rules, each once', () => {
    const ids = ruleIds('prediction', model(['finance', 'medical']));

    expect(ids.sort()).toEqual(['B-ALL', 'F-ALL', 'F-PRED', 'GA', 'M-ALL']);
  });

  it('records which module each rule came from', () => {
    const byRule = Object.fromEntries(registry.rulesFor('prediction', model(['finance'])).map((r) => [r.rule.id, r.moduleId]));

    expect(byRule).toEqual({ GA: 'general-test', 'F-ALL': 'finance-test', 'F-PRED': 'finance-test', 'B-ALL': 'both-test' });
  });

  it('answers the same after caching, and does not mix up event types or sectors', () => {
    const first = ruleIds('prediction', model(['finance']));

    expect(ruleIds('prediction', model(['finance'], 'other-model'))).toEqual(first);
    expect(ruleIds('drift_metric', model(['finance']))).not.toContain('F-PRED');
    expect(ruleIds('prediction', model(['medical']))).not.toContain('F-PRED');
    expect(ruleIds('prediction', undefined)).toEqual(['GA']);
  });

  it('gives a known model with no sectors the rules for every model only', () => {
    expect(ruleIds('prediction', model([]))).toEqual(['GA']);
  });
});
