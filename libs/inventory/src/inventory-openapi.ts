import { Type, type Static } from '@sinclair/typebox';
import { SECTORS, SEVERITIES } from '@kanshi/contracts';
import type { ModelEntity, PolicyOverrideEntity } from '@kanshi/persistence';
import type { EffectiveRuleConfig } from '@kanshi/policy-core';
import type { RuntimeRule } from '@kanshi/policy-sdk';
import type { JsonSchemaObject } from '@kanshi/runtime';
import { ModelBody, toModelView } from './model.dto';
import { toEffectiveRuleView, toOverrideView, toRuleView } from './policy.dto';

// Response schemas of the inventory and policy endpoints, for the API's OpenAPI document. The
// assignments at the end make the compiler check each view against its schema.

const DATE_TIME = Type.String({ format: 'date-time' });
const NULLABLE_DATE_TIME = Type.Union([DATE_TIME, Type.Null()]);
const JSON_OBJECT = Type.Record(Type.String(), Type.Unknown());
const SOURCE = Type.String({ description: 'Where a setting came from: `model`, `sector:<sector>`, `tenant` or `default`.' });

const MODEL = Type.Composite([
  Type.Object({ tenant_id: Type.String(), model_id: Type.String() }),
  // What a client writes, every field present (defaults filled).
  Type.Required(ModelBody),
  Type.Object({
    deployed_version: Type.Union([Type.String(), Type.Null()], { description: 'Read-only: set by `model_deployment` telemetry.' }),
    deployed_hash: Type.Union([Type.String(), Type.Null()], { description: 'Read-only: set by `model_deployment` telemetry.' }),
    deployed_at: NULLABLE_DATE_TIME,
    status: Type.Union([Type.Literal('active'), Type.Literal('retired')]),
    retired_at: NULLABLE_DATE_TIME,
    created_at: DATE_TIME,
    updated_at: DATE_TIME,
  }),
]);

const OVERRIDE = Type.Object({
  scope: Type.Union([Type.Literal('tenant'), Type.Literal('sector'), Type.Literal('model')]),
  target: Type.Union([Type.String(), Type.Null()], { description: 'The sector or the model id; null for scope `tenant`.' }),
  rule_id: Type.String(),
  enabled: Type.Union([Type.Boolean(), Type.Null()], { description: 'null: the rule’s enablement is not overridden here.' }),
  args: JSON_OBJECT,
  created_at: DATE_TIME,
  updated_at: DATE_TIME,
});

const RULE = Type.Object({
  rule_id: Type.String(),
  module_id: Type.String(),
  sectors: Type.Union([Type.Unsafe<readonly string[]>({ type: 'array', items: { enum: [...SECTORS] } }), Type.Literal('all')], {
    description: 'The sectors of the rule’s module; `all` for a module that applies to every model.',
  }),
  title: Type.String(),
  rationale: Type.String({ description: 'Why the rule matters: what breaking it puts at risk.' }),
  source: Type.String({ description: 'The law or guideline the rule enforces.' }),
  default_severity: Type.String({ enum: [...SEVERITIES] }),
  default_args: JSON_OBJECT,
  args_schema: Type.Unknown({ description: 'JSON Schema of the rule’s arguments.' }),
});

const EFFECTIVE_RULE = Type.Object({
  rule_id: Type.String(),
  module_id: Type.String(),
  title: Type.String(),
  enabled: Type.Boolean(),
  enabled_source: SOURCE,
  args: JSON_OBJECT,
  arg_sources: Type.Record(Type.String(), SOURCE),
  window: Type.Union(
    [
      Type.Object({
        kind: Type.Union([Type.Literal('tumbling'), Type.Literal('sliding'), Type.Literal('calendar')]),
        size: Type.String(),
        minSamples: Type.Optional(Type.Integer()),
        lateness: Type.Optional(Type.String()),
      }),
      Type.Null(),
    ],
    { description: 'The window the rule judges over with these arguments; null for a rule judged event by event.' },
  ),
});

const MODEL_POLICY = Type.Object({
  model_id: Type.String(),
  in_inventory: Type.Boolean({ description: 'false for a retired model: it is judged as one outside the inventory.' }),
  sectors: Type.Array(Type.String()),
  rules: Type.Array(EFFECTIVE_RULE),
});

/** Named schemas of the inventory and policy endpoints, for `components.schemas` of the API's document. */
export function inventoryOpenApiSchemas(): Record<string, JsonSchemaObject> {
  return {
    Model: MODEL,
    ModelPage: Type.Object({ items: Type.Array(MODEL), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
    ModelPolicy: MODEL_POLICY,
    PolicyOverride: OVERRIDE,
    PolicyOverrideList: Type.Object({ items: Type.Array(OVERRIDE) }),
    Rule: RULE,
    RuleList: Type.Object({ items: Type.Array(RULE) }),
  };
}

// Compile-time checks: each view gives at least what its schema promises, with the same types.
const _model: (m: ModelEntity) => Static<typeof MODEL> = toModelView;
const _override: (o: PolicyOverrideEntity) => Static<typeof OVERRIDE> = toOverrideView;
const _rule: (r: RuntimeRule) => Static<typeof RULE> = toRuleView;
const _effective: (c: EffectiveRuleConfig, r: RuntimeRule) => Static<typeof EFFECTIVE_RULE> = toEffectiveRuleView;
