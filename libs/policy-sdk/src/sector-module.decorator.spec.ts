import { Type } from '@sinclair/typebox';
import { createTestSectorEnvironment } from './conformance';
import { defineRule, type RuleDefinition } from './rule';
import { getSectorModuleOptions, SectorModule, type SectorModuleOptions } from './sector-module.decorator';
import { POLICY_SDK_VERSION } from './version';

const sampleRule: RuleDefinition = defineRule({
  id: 'X1',
  title: 'Score above the approved maximum',
  rationale: 'Scores above the validated range were never reviewed.',
  source: 'Internal model policy §4',
  defaultSeverity: 'medium',
  reads: ['prediction'],
  args: Type.Object({ maxScore: Type.Number({ default: 0.99 }) }),
  evaluate: ({ event, args }) => {
    const score = event.payload['score'];
    return typeof score === 'number' && score > args.maxScore ? { observed: score } : undefined;
  },
});

const options: SectorModuleOptions = {
  id: 'acme-bank-internal',
  description: 'ACME Bank internal model standards',
  sectors: ['finance'],
  rules: [sampleRule],
  compatibility: '^0.2.0',
};

@SectorModule(options)
class AcmeBankSectorModule {}

class PlainModule {}

describe('@SectorModule and getSectorModuleOptions', () => {
  it('reads back exactly what the decorator declared', () => {
    expect(getSectorModuleOptions(AcmeBankSectorModule)).toBe(options);
  });

  it('answers undefined for an undecorated class', () => {
    expect(getSectorModuleOptions(PlainModule)).toBeUndefined();
  });

  it('answers undefined for values that are not classes', () => {
    expect(getSectorModuleOptions({ id: 'x' })).toBeUndefined();
    expect(getSectorModuleOptions('AcmeBankSectorModule')).toBeUndefined();
    expect(getSectorModuleOptions(undefined)).toBeUndefined();
  });

  it('does not let a subclass inherit the parent module identity', () => {
    class Derived extends AcmeBankSectorModule {}

    expect(getSectorModuleOptions(Derived)).toBeUndefined();
  });
});

describe('defineRule', () => {
  it('freezes the rule so tenants can only override arguments, never the definition', () => {
    expect(Object.isFrozen(sampleRule)).toBe(true);
  });

  it('keeps evaluate working with typed arguments, defaults and overrides', () => {
    const credit = { modelId: 'credit', sectors: ['finance'] as const };
    const withDefaults = createTestSectorEnvironment(AcmeBankSectorModule, { models: [credit] });
    withDefaults.send({ event_type: 'prediction', payload: { score: 0.995 } });
    withDefaults.send({ event_type: 'prediction', payload: { score: 0.98 } });
    expect(withDefaults.findings.map((f) => [f.observed, f.args])).toEqual([[0.995, { maxScore: 0.99 }]]);

    const overridden = createTestSectorEnvironment(AcmeBankSectorModule, { models: [credit], args: { X1: { maxScore: 1 } } });
    overridden.send({ event_type: 'prediction', payload: { score: 0.995 } });
    expect(overridden.findings).toEqual([]);
  });
});

describe('POLICY_SDK_VERSION', () => {
  it('is a plain MAJOR.MINOR.PATCH version', () => {
    expect(POLICY_SDK_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
