import { defineRule, modelProfile, runtimeRules, SectorModule, getSectorModuleOptions, Type } from '@kanshi/policy-sdk';
import { applicableRules, checkOverrideArgs, effectiveRuleConfig, RuleOverrideIndex, type RuleOverride } from './rule-overrides';

const drift = defineRule({
  id: 'X1',
  title: 'drift',
  rationale: 'r',
  source: 's',
  defaultSeverity: 'medium',
  reads: ['prediction'],
  args: Type.Object({ threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }), minSamples: Type.Integer({ minimum: 1, default: 100 }) }),
  evaluate: () => undefined,
});
const bank = defineRule({ id: 'B1', title: 'bank', rationale: 'r', source: 's', defaultSeverity: 'high', reads: 'all', args: Type.Object({}), evaluate: () => undefined });

@SectorModule({ id: 'every', description: 'd', sectors: 'all', rules: [drift], compatibility: '^0.2.0' })
class EveryModule {}
@SectorModule({ id: 'banks', description: 'd', sectors: ['finance'], rules: [bank], compatibility: '^0.2.0' })
class BankModule {}

const rules = runtimeRules([getSectorModuleOptions(EveryModule)!, getSectorModuleOptions(BankModule)!]);
const x1 = rules.find((r) => r.rule.id === 'X1')!;
const b1 = rules.find((r) => r.rule.id === 'B1')!;

const o = (scope: RuleOverride['scope'], target: string, fields: Partial<RuleOverride>): RuleOverride => ({
  tenantId: 't',
  scope,
  target,
  ruleId: 'X1',
  enabled: null,
  args: {},
  ...fields,
});

describe('rule overrides', () => {
  it('gives the defaults without overrides', () => {
    expect(effectiveRuleConfig(x1, [], 'm', [])).toEqual({
      ruleId: 'X1',
      moduleId: 'every',
      enabled: true,
      enabledSource: 'default',
      args: { threshold: 0.2, minSamples: 100 },
      argSources: { threshold: 'default', minSamples: 'default' },
    });
  });

  it('applies model over sector over tenant over default, argument by argument', () => {
    const overrides = [
      o('tenant', '', { args: { threshold: 0.5, minSamples: 10 }, enabled: false }),
      o('sector', 'finance', { args: { threshold: 0.4 }, enabled: true }),
      o('sector', 'medical', { args: { threshold: 0.3 } }),
      o('model', 'm', { args: { threshold: 0.1 } }),
      o('model', 'other', { args: { minSamples: 1 } }),
    ];
    expect(effectiveRuleConfig(x1, overrides, 'm', ['finance'])).toMatchObject({
      enabled: true,
      enabledSource: 'sector:finance',
      args: { threshold: 0.1, minSamples: 10 },
      argSources: { threshold: 'model', minSamples: 'tenant' },
    });
    // Sectors apply in alphabetical order: the later one wins an argument both set.
    expect(effectiveRuleConfig(x1, overrides.slice(0, 3), 'n', ['medical', 'finance'])).toMatchObject({
      args: { threshold: 0.3 },
      argSources: { threshold: 'sector:medical' },
    });
    // A model outside the inventory has no sectors: tenant and model scopes only.
    expect(effectiveRuleConfig(x1, overrides, 'other', [])).toMatchObject({
      enabled: false,
      enabledSource: 'tenant',
      args: { threshold: 0.5, minSamples: 1 },
    });
  });

  it('falls back to the defaults when the merged arguments no longer fit the schema', () => {
    expect(effectiveRuleConfig(x1, [o('tenant', '', { args: { threshold: 7 } })], 'm', []).args).toEqual({ threshold: 0.2, minSamples: 100 });
  });

  it('names the argument a rule refuses, and arguments it does not have', () => {
    expect(checkOverrideArgs(x1, { threshold: 0.5 })).toEqual([]);
    expect(checkOverrideArgs(x1, { threshold: 2 })).toEqual([{ argument: 'threshold', message: expect.stringContaining('1') as unknown }]);
    expect(checkOverrideArgs(x1, { threshold: 'high' }).map((e) => e.argument)).toContain('threshold');
    expect(checkOverrideArgs(x1, { treshold: 0.5 })).toEqual([{ argument: 'treshold', message: expect.stringContaining('threshold, minSamples') as unknown }]);
  });

  it('lists the rules that apply to a model of some sectors', () => {
    expect(applicableRules(rules, []).map((r) => r.rule.id)).toEqual(['X1']);
    expect(applicableRules(rules, ['finance']).map((r) => r.rule.id)).toEqual(['X1', 'B1']);
  });

  it('resolves arguments per tenant, and undefined for a rule switched off', () => {
    const index = new RuleOverrideIndex([o('model', 'm', { enabled: false }), o('sector', 'finance', { ruleId: 'B1', enabled: false })]);
    const model = modelProfile({ tenantId: 't', modelId: 'k', sectors: ['finance'] });
    expect(index.argsFor(x1, 't', 'm', undefined)).toBeUndefined();
    expect(index.argsFor(x1, 't', 'm', undefined)).toBeUndefined();
    expect(index.argsFor(x1, 't', 'k', model)).toEqual({ threshold: 0.2, minSamples: 100 });
    expect(index.argsFor(b1, 't', 'k', model)).toBeUndefined();
    expect(index.argsFor(x1, 'another-tenant', 'm', undefined)).toBe(x1.defaultArgs);
    expect(index.size).toBe(2);
  });
});
