import { BadRequestException } from '@nestjs/common';
import { Type, type Static } from '@sinclair/typebox';
import { SECTORS, type Sector } from '@kanshi/contracts';
import type { ModelEntity, ModelFields } from '@kanshi/persistence';
import { requestValidator } from '@kanshi/runtime';

/** Model and tenant ids: the telemetry contract's identifiers (no `:`, it separates the Kafka key). */
export const IDENTIFIER_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

const Text = (maxLength = 500) => Type.String({ minLength: 1, maxLength });
const NullableText = (maxLength = 500) => Type.Union([Text(maxLength), Type.Null()], { default: null });
const TextList = (maxItems = 100) => Type.Array(Text(200), { maxItems, uniqueItems: true, default: [] });

/** The writable fields of a model, snake_case on the wire. `name` and `sectors` are required. */
const writable = {
  name: Text(200),
  sectors: Type.Array(Type.Union(SECTORS.map((s) => Type.Literal(s))), { uniqueItems: true, maxItems: SECTORS.length }),
  risk_tier: NullableText(32),
  owner: NullableText(),
  intended_use: NullableText(2000),
  approved_use_scope: TextList(),
  approved_versions: Type.Array(Type.Object({ version: Text(128), hash: Type.Union([Text(256), Type.Null()], { default: null }) }, { additionalProperties: false }), {
    maxItems: 500,
    default: [],
  }),
  change_plan: Type.Union([Type.Object({ ref: Text(200), scope: TextList(64) }, { additionalProperties: false }), Type.Null()], { default: null }),
  last_validated_at: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' }), Type.Null()], { default: null }),
  third_party: Type.Boolean({ default: false }),
  vendor: NullableText(),
  vendor_validation_ref: NullableText(),
  privacy_assessment_refs: TextList(),
};

/** The body of `PUT /v1/models/:modelId` (also the document's request schema). */
export const ModelBody = Type.Object(
  {
    name: writable.name,
    sectors: writable.sectors,
    risk_tier: Type.Optional(writable.risk_tier),
    owner: Type.Optional(writable.owner),
    intended_use: Type.Optional(writable.intended_use),
    approved_use_scope: Type.Optional(writable.approved_use_scope),
    approved_versions: Type.Optional(writable.approved_versions),
    change_plan: Type.Optional(writable.change_plan),
    last_validated_at: Type.Optional(writable.last_validated_at),
    third_party: Type.Optional(writable.third_party),
    vendor: Type.Optional(writable.vendor),
    vendor_validation_ref: Type.Optional(writable.vendor_validation_ref),
    privacy_assessment_refs: Type.Optional(writable.privacy_assessment_refs),
  },
  { additionalProperties: false },
);

/** What the API sets itself; a body that repeats them (a GET sent back) has them ignored. */
const READ_ONLY = ['tenant_id', 'model_id', 'deployed_version', 'deployed_hash', 'deployed_at', 'last_event_at', 'last_received_at', 'status', 'retired_at', 'created_at', 'updated_at'];

function withoutReadOnly(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => !READ_ONLY.includes(key)));
}

const bodyValidator = requestValidator(ModelBody);

export const modelIdValidator = requestValidator(Type.Object({ model_id: Type.String({ pattern: IDENTIFIER_PATTERN }) }));

export const listModelsQuery = requestValidator(
  Type.Object(
    {
      limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
      cursor: Type.Optional(Type.String({ maxLength: 200 })),
      include_retired: Type.Boolean({ default: false }),
    },
    { additionalProperties: false },
  ),
);

type ModelBodyValue = Static<typeof ModelBody>;

function toFields(body: Required<ModelBodyValue>): ModelFields {
  const date = body.last_validated_at;
  const parsed = date === null ? NaN : Date.parse(`${date}T00:00:00Z`);
  if (date !== null && (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== date)) {
    const message = `${date} is not a calendar date (YYYY-MM-DD)`;
    throw new BadRequestException({ title: 'Invalid request', message: `last_validated_at: ${message}`, errors: [{ field: 'last_validated_at', message }] });
  }
  return {
    name: body.name,
    sectors: body.sectors,
    riskTier: body.risk_tier,
    owner: body.owner,
    intendedUse: body.intended_use,
    approvedUseScope: body.approved_use_scope,
    approvedVersions: body.approved_versions.map((v) => ({ version: v.version, hash: v.hash ?? null })),
    changePlan: body.change_plan ? { ref: body.change_plan.ref, scope: body.change_plan.scope ?? [] } : null,
    lastValidatedAt: body.last_validated_at,
    thirdParty: body.third_party,
    vendor: body.vendor,
    vendorValidationRef: body.vendor_validation_ref,
    privacyAssessmentRefs: body.privacy_assessment_refs,
  };
}

/** A `PUT` body as the inventory's fields; throws a 400 naming each bad field. */
export function parseModelBody(body: unknown): ModelFields {
  return toFields(bodyValidator.parse(withoutReadOnly(body)) as Required<ModelBodyValue>);
}

/**
 * A `PATCH` body applied over the model as it is, then checked whole like a `PUT`; throws a 400
 * naming each bad field.
 */
export function applyModelPatch(current: ModelEntity, body: unknown): ModelFields {
  const patch = withoutReadOnly(body);
  const merged = typeof patch === 'object' && patch !== null && !Array.isArray(patch) ? { ...toWritableView(current), ...patch } : patch;
  return toFields(bodyValidator.parse(merged) as Required<ModelBodyValue>);
}

function toWritableView(m: ModelEntity): Required<ModelBodyValue> {
  return {
    name: m.name,
    sectors: m.sectors as Sector[],
    risk_tier: m.riskTier,
    owner: m.owner,
    intended_use: m.intendedUse,
    approved_use_scope: m.approvedUseScope,
    approved_versions: m.approvedVersions,
    change_plan: m.changePlan,
    last_validated_at: m.lastValidatedAt,
    third_party: m.thirdParty,
    vendor: m.vendor,
    vendor_validation_ref: m.vendorValidationRef,
    privacy_assessment_refs: m.privacyAssessmentRefs,
  };
}

/** The wire shape of a model (snake_case, like alerts and telemetry). */
export function toModelView(m: ModelEntity) {
  return {
    tenant_id: m.tenantId,
    model_id: m.modelId,
    ...toWritableView(m),
    deployed_version: m.deployedVersion,
    deployed_hash: m.deployedHash,
    deployed_at: m.deployedAt ? m.deployedAt.toISOString() : null,
    last_event_at: m.lastEventAt ? m.lastEventAt.toISOString() : null,
    last_received_at: m.lastReceivedAt ? m.lastReceivedAt.toISOString() : null,
    status: m.retiredAt ? ('retired' as const) : ('active' as const),
    retired_at: m.retiredAt ? m.retiredAt.toISOString() : null,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
  };
}
