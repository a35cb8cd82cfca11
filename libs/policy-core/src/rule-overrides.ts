import { Value } from '@sinclair/typebox/value';
import type { ArgsResolver, ModelProfile, RuntimeRule } from '@kanshi/policy-sdk';

/** Where a tenant sets a rule's arguments or enablement, weakest first. */
export const OVERRIDE_SCOPES = ['tenant', 'sector', 'model'] as const;
export type OverrideScope = (typeof OVERRIDE_SCOPES)[number];

/**
 * One tenant's setting of one rule at one scope. `target` is empty for the tenant scope, the
 * sector for the sector scope and the model id for the model scope (the model need not be in
 * the inventory: G1 judges exactly those).
 */
export interface RuleOverride {
  readonly tenantId: string;
  readonly scope: OverrideScope;
  readonly target: string;
  readonly ruleId: string;
  /** `false` switches the rule off, `true` back on, `null` leaves it as the weaker scopes say. */
  readonly enabled: boolean | null;
  /** Arguments set at this scope; the rest come from weaker scopes or the rule's defaults. */
  readonly args: Readonly<Record<string, unknown>>;
}

/** Where a setting in force came from: the rule's default or the scope of an override. */
export type SettingSource = 'default' | 'tenant' | `sector:${string}` | 'model';

/** A rule's configuration in force for one model, with the origin of every setting. */
export interface EffectiveRuleConfig {
  readonly ruleId: string;
  readonly moduleId: string;
  readonly enabled: boolean;
  readonly enabledSource: SettingSource;
  readonly args: Readonly<Record<string, unknown>>;
  readonly argSources: Readonly<Record<string, SettingSource>>;
}

/** An argument of an override the rule's schema refuses. */
export interface OverrideArgumentError {
  readonly argument: string;
  readonly message: string;
}

/**
 * The overrides of one tenant that apply to a model, weakest first: tenant, then the model's
 * sectors in alphabetical order (a later sector wins an argument both set), then the model.
 */
function layersFor(overrides: readonly RuleOverride[], ruleId: string, modelId: string, sectors: readonly string[]): RuleOverride[] {
  const ofRule = overrides.filter((o) => o.ruleId === ruleId);
  const sorted = [...sectors].sort();
  return [
    ...ofRule.filter((o) => o.scope === 'tenant'),
    ...sorted.flatMap((sector) => ofRule.filter((o) => o.scope === 'sector' && o.target === sector)),
    ...ofRule.filter((o) => o.scope === 'model' && o.target === modelId),
  ];
}

function sourceOf(o: RuleOverride): SettingSource {
  return o.scope === 'sector' ? `sector:${o.target}` : o.scope;
}

/**
 * A rule's configuration in force for a model, from one tenant's overrides: model over sector
 * over tenant over the rule's defaults. `sectors` are the model's (none for a model outside the
 * inventory). Merged arguments the schema refuses (a rule changed after the override was
 * saved) fall back to the defaults, so a stale override never feeds a rule bad input.
 */
export function effectiveRuleConfig(rule: RuntimeRule, tenantOverrides: readonly RuleOverride[], modelId: string, sectors: readonly string[]): EffectiveRuleConfig {
  let enabled = true;
  let enabledSource: SettingSource = 'default';
  const args: Record<string, unknown> = { ...rule.defaultArgs };
  const argSources: Record<string, SettingSource> = Object.fromEntries(Object.keys(rule.defaultArgs).map((k) => [k, 'default' as const]));
  for (const layer of layersFor(tenantOverrides, rule.rule.id, modelId, sectors)) {
    if (layer.enabled !== null) {
      enabled = layer.enabled;
      enabledSource = sourceOf(layer);
    }
    for (const [name, value] of Object.entries(layer.args)) {
      args[name] = value;
      argSources[name] = sourceOf(layer);
    }
  }
  const valid = Value.Check(rule.rule.args, args);
  return {
    ruleId: rule.rule.id,
    moduleId: rule.moduleId,
    enabled,
    enabledSource,
    args: valid ? args : { ...rule.defaultArgs },
    argSources: valid ? argSources : Object.fromEntries(Object.keys(rule.defaultArgs).map((k) => [k, 'default' as const])),
  };
}

/**
 * What the rule's schema says about arguments an override sets, checked merged over the
 * defaults (so a partial override is judged as it will run). Unknown argument names are errors.
 */
export function checkOverrideArgs(rule: RuntimeRule, args: Readonly<Record<string, unknown>>): OverrideArgumentError[] {
  const known = new Set(Object.keys((rule.rule.args as { properties?: Record<string, unknown> }).properties ?? {}));
  const errors: OverrideArgumentError[] = Object.keys(args)
    .filter((name) => !known.has(name))
    .map((name) => ({ argument: name, message: `rule ${rule.rule.id} has no argument "${name}"${known.size > 0 ? ` (it takes ${[...known].join(', ')})` : ' (it takes none)'}` }));
  if (errors.length > 0) return errors;
  for (const error of Value.Errors(rule.rule.args, { ...rule.defaultArgs, ...args })) {
    errors.push({ argument: error.path.replace(/^\//, '').replace(/\//g, '.') || '(args)', message: error.message });
  }
  return errors;
}

/**
 * Every rule that applies to a model and its configuration in force under the tenant's
 * overrides (model > sector > tenant > default). A retired model is judged as one outside the
 * inventory: no sectors, so the general rules only.
 */
export function modelRulesInForce(
  rules: readonly RuntimeRule[],
  model: { readonly modelId: string; readonly sectors: readonly string[]; readonly retiredAt: Date | null },
  overrides: readonly RuleOverride[],
): { readonly rule: RuntimeRule; readonly config: EffectiveRuleConfig }[] {
  const sectors = model.retiredAt ? [] : model.sectors;
  return applicableRules(rules, sectors).map((rule) => ({ rule, config: effectiveRuleConfig(rule, overrides, model.modelId, sectors) }));
}

/** The rules routed to a model of these sectors, whatever the event type: the modules for every model, plus its sectors' modules. */
export function applicableRules(rules: readonly RuntimeRule[], sectors: readonly string[]): RuntimeRule[] {
  return rules.filter((r) => r.moduleSectors === 'all' || r.moduleSectors.some((s) => sectors.includes(s)));
}

/**
 * Every tenant's overrides held in memory, answering the engine's argument look-ups: the hot
 * path reads a map, never the database. Tenants without overrides get the defaults at once.
 */
export class RuleOverrideIndex {
  private readonly byTenant = new Map<string, RuleOverride[]>();
  private readonly resolved = new Map<string, Readonly<Record<string, unknown>> | undefined>();

  constructor(overrides: readonly RuleOverride[] = []) {
    for (const o of overrides) this.byTenant.set(o.tenantId, [...(this.byTenant.get(o.tenantId) ?? []), o]);
  }

  get size(): number {
    let n = 0;
    for (const list of this.byTenant.values()) n += list.length;
    return n;
  }

  /** The overrides of one tenant. */
  ofTenant(tenantId: string): readonly RuleOverride[] {
    return this.byTenant.get(tenantId) ?? [];
  }

  /** The arguments in force, or `undefined` when the rule is switched off for the model. */
  readonly argsFor: ArgsResolver = (rule: RuntimeRule, tenantId: string, modelId: string, model: ModelProfile | undefined) => {
    const overrides = this.byTenant.get(tenantId);
    if (!overrides) return rule.defaultArgs;
    const sectors = model?.sectors ?? [];
    const key = `${tenantId}\u0000${modelId}\u0000${rule.rule.id}\u0000${sectors.join(',')}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const config = effectiveRuleConfig(rule, overrides, modelId, sectors);
    const args = config.enabled ? Object.freeze(config.args) : undefined;
    // Bounded: the cache is rebuilt with the index at every inventory refresh.
    if (this.resolved.size < 100_000) this.resolved.set(key, args);
    return args;
  };
}
