import { BadRequestException } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { SECTORS } from '@kanshi/contracts';
import type { OverrideKey, PolicyOverrideEntity } from '@kanshi/persistence';
import { checkOverrideArgs, OVERRIDE_SCOPES, type EffectiveRuleConfig, type SectorModuleRegistry } from '@kanshi/policy-core';
import { windowSpecOf, type RuntimeRule } from '@kanshi/policy-sdk';
import { requestValidator, type FieldError } from '@kanshi/runtime';
import { IDENTIFIER_PATTERN } from './model.dto';

const overrideTarget = {
  scope: Type.Union(OVERRIDE_SCOPES.map((s) => Type.Literal(s))),
  target: Type.Optional(Type.String({ maxLength: 128, description: 'The sector (scope `sector`) or the model id (scope `model`); none for scope `tenant`.' })),
  rule_id: Type.String({ minLength: 1, maxLength: 32 }),
};

export const overrideBody = requestValidator(
  Type.Object(
    {
      ...overrideTarget,
      enabled: Type.Union([Type.Boolean(), Type.Null()], { default: null }),
      args: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    },
    { additionalProperties: false },
  ),
);

export const overrideQuery = requestValidator(Type.Object(overrideTarget, { additionalProperties: false }));

function badRequest(errors: readonly (FieldError & { readonly rule_id?: string; readonly argument?: string })[]): BadRequestException {
  return new BadRequestException({ title: 'Invalid request', message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors });
}

function keyOf(tenantId: string, input: { scope: OverrideKey['scope']; target?: string | undefined; rule_id: string }, registry: SectorModuleRegistry): { key: OverrideKey; rule: RuntimeRule } {
  const target = input.target ?? '';
  const errors: FieldError[] = [];
  if (input.scope === 'tenant' && target !== '') errors.push({ field: 'target', message: 'scope tenant takes no target' });
  if (input.scope === 'sector' && !(SECTORS as readonly string[]).includes(target)) {
    errors.push({ field: 'target', message: `scope sector needs a sector as target: one of ${SECTORS.join(', ')}` });
  }
  if (input.scope === 'model' && !new RegExp(IDENTIFIER_PATTERN).test(target)) errors.push({ field: 'target', message: 'scope model needs a model id as target' });
  const rule = registry.rules.find((r) => r.rule.id === input.rule_id);
  if (!rule) errors.push({ field: 'rule_id', message: `unknown rule "${input.rule_id}"; GET /v1/policies/rules lists them` });
  if (errors.length > 0 || !rule) throw badRequest(errors);
  return { key: { tenantId, scope: input.scope, target, ruleId: rule.rule.id }, rule };
}

/** A `PUT /v1/policies/overrides` body, checked against the rule's argument schema. */
export function parseOverride(tenantId: string, body: unknown, registry: SectorModuleRegistry) {
  const input = overrideBody.parse(body);
  const { key, rule } = keyOf(tenantId, input, registry);
  const problems = checkOverrideArgs(rule, input.args);
  if (problems.length > 0) {
    throw badRequest(
      problems.map((p) => ({ field: `args.${p.argument}`, rule_id: rule.rule.id, argument: p.argument, message: `rule ${rule.rule.id}, argument ${p.argument}: ${p.message}` })),
    );
  }
  return { key, setting: { enabled: input.enabled, args: input.args } };
}

/** The override named by `DELETE /v1/policies/overrides?scope=&target=&rule_id=`. */
export function parseOverrideKey(tenantId: string, query: unknown, registry: SectorModuleRegistry): OverrideKey {
  return keyOf(tenantId, overrideQuery.parse(query), registry).key;
}

export function toOverrideView(o: PolicyOverrideEntity) {
  return {
    scope: o.scope,
    target: o.scope === 'tenant' ? null : o.target,
    rule_id: o.ruleId,
    enabled: o.enabled,
    args: o.args,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

export function toEffectiveRuleView(config: EffectiveRuleConfig, rule: RuntimeRule) {
  return {
    rule_id: config.ruleId,
    module_id: config.moduleId,
    title: rule.rule.title,
    enabled: config.enabled,
    enabled_source: config.enabledSource,
    args: config.args,
    arg_sources: config.argSources,
    window: windowSpecOf(rule.rule, config.args) ?? null,
  };
}

export function toRuleView(rule: RuntimeRule) {
  return {
    rule_id: rule.rule.id,
    module_id: rule.moduleId,
    sectors: rule.moduleSectors,
    title: rule.rule.title,
    rationale: rule.rule.rationale,
    source: rule.rule.source,
    default_severity: rule.rule.defaultSeverity,
    default_args: rule.defaultArgs,
    args_schema: rule.rule.args as unknown,
  };
}
