import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { SEVERITIES } from './severity';
import type { EventType, TelemetryEvent } from './telemetry-event';

/*
 * The `payload` of each telemetry event type (wire format, snake_case), from the policy brief's
 * "Telemetry fields". Only what a rule cannot work without is required; every payload accepts
 * unknown fields so that a field added in a minor version never breaks an older consumer.
 * Field names and enum values are persisted on the wire: never rename or remove one within a
 * major version.
 */

/** A closed set of strings as a plain JSON Schema `enum` (readable from any language). */
function StringEnum<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

const Text = (description?: string) => Type.String({ minLength: 1, maxLength: 256, ...(description ? { description } : {}) });
const Time = (description: string) => Type.String({ format: 'date-time', description });
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const open = { additionalProperties: true } as const;

export const DRIFT_METRICS = ['psi', 'ks', 'js'] as const;
export const DATASET_REFS = ['locked_reference', 'real_world'] as const;
export const DATA_CATEGORIES = ['personal', 'sensitive', 'pseudonymised', 'anonymised', 'biometric', 'minor'] as const;
export const INCIDENT_TYPES = ['breach', 'malfunction', 'harm', 'security', 'misconduct', 'safety'] as const;
/** APPI breach-report triggers. */
export const APPI_TRIGGERS = ['sensitive_data', 'financial_loss', 'improper_purpose', 'over_1000_people'] as const;
export const OVERRIDE_ACTIONS = ['confirm', 'override'] as const;
export const CONSENT_SCOPES = ['training', 'recommendation', 'external_transmission'] as const;
export const CONSENT_ACTIONS = ['grant', 'withdraw'] as const;
export const OPT_OUT_ACTIONS = ['request', 'revoke'] as const;
export const DISCLOSURE_KINDS = ['ranking_params', 'external_transmission_notice', 'transparency_report'] as const;

/**
 * Most entries of `restricted_attributes` in one prediction. Fairness checks compare a handful
 * of attributes; thousands in one event only cost the engine (one wide event used to block it
 * for seconds).
 */
export const MAX_RESTRICTED_ATTRIBUTES = 64;
/** Longest name, and string value, of a restricted attribute. */
export const MAX_ATTRIBUTE_LENGTH = 128;

export const PredictionPayloadSchema = Type.Object(
  {
    input_hash: Type.Optional(Text('Hash of the model input, for the audit trail.')),
    output: Type.Optional(Type.Unknown({ description: 'Raw model output (any JSON value).' })),
    score: Type.Optional(Type.Number()),
    decision: Type.Optional(Text('Decision taken from the output, e.g. approve / decline.')),
    decision_impact: Type.Optional(Text('How much the decision affects the subject, e.g. high / low.')),
    segment: Type.Optional(Text('Request segment or product.')),
    use_scope: Type.Optional(Text('Use the request falls under, compared with the approved scope.')),
    subject_pseudo_id: Type.Optional(Text('Pseudonymous id of the data subject; never a direct identifier.')),
    restricted_attributes: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String({ maxLength: MAX_ATTRIBUTE_LENGTH }), Type.Number(), Type.Boolean()]), {
        maxProperties: MAX_RESTRICTED_ATTRIBUTES,
        propertyNames: { minLength: 1, maxLength: MAX_ATTRIBUTE_LENGTH },
        description: `Restricted subgroup attributes, for fairness checks only: at most ${MAX_RESTRICTED_ATTRIBUTES}, names and string values of 1–${MAX_ATTRIBUTE_LENGTH} characters.`,
      }),
    ),
    generative: Type.Optional(Type.Boolean({ description: 'The output is generated content.' })),
    ai_generated_label: Type.Optional(Type.Boolean({ description: 'Generated content was labelled as AI-generated.' })),
    out_of_distribution: Type.Optional(Type.Boolean({ description: 'Input outside the validated population.' })),
    // Added in 1.1.
    clinician_action: Type.Optional(Text('What the clinician did with the output, e.g. confirm / override / none (medical audit trail).')),
    customer_facing: Type.Optional(Type.Boolean({ description: 'The response was shown to a customer.' })),
    grounded: Type.Optional(Type.Boolean({ description: 'The generated response is grounded in and cites approved sources.' })),
    guardrail_violation: Type.Optional(Type.Boolean({ description: 'A guardrail or safety filter blocked or flagged the response.' })),
    ranking_params_version: Type.Optional(Text('Ranking-parameter version used to serve a recommendation.')),
  },
  { ...open, title: 'prediction payload' },
);

export const ExplanationPayloadSchema = Type.Object(
  {
    trace_id: Type.Optional(Text('Trace id of the prediction explained, when the envelope carries another.')),
    reason_codes: Type.Array(Text(), { maxItems: 64, description: 'Reason codes given for the decision; may be empty.' }),
    method: Type.Optional(Text('Explanation method, e.g. shap.')),
  },
  { ...open, title: 'explanation payload' },
);

export const DriftMetricPayloadSchema = Type.Object(
  {
    feature: Text('Feature (or score) measured.'),
    metric: StringEnum(DRIFT_METRICS),
    value: Type.Number(),
    window: Type.Optional(Text('Window the value covers, e.g. 24h.')),
    baseline_ref: Type.Optional(Text('Reference distribution compared with.')),
  },
  { ...open, title: 'drift_metric payload' },
);

export const PerformanceMetricPayloadSchema = Type.Object(
  {
    metric: Text('Metric name, e.g. auc, gini, sensitivity.'),
    value: Type.Number(),
    ci_low: Type.Optional(Type.Number({ description: 'Lower bound of the 95% confidence interval.' })),
    ci_high: Type.Optional(Type.Number({ description: 'Upper bound of the 95% confidence interval.' })),
    n: Type.Optional(Count('Number of cases the value is computed on.')),
    window: Type.Optional(Text('Window the value covers, e.g. 7d.')),
    baseline: Type.Optional(Type.Number({ description: 'Validated baseline value of the metric.' })),
    approved_claim: Type.Optional(Type.Number({ description: 'Value claimed in the approval or label.' })),
    dataset_ref: Type.Optional(StringEnum(DATASET_REFS, 'Locked reference set or real-world data.')),
    subgroup: Type.Optional(Text('Subgroup the value is for; absent for the whole population.')),
  },
  { ...open, title: 'performance_metric payload' },
);

export const ModelDeploymentPayloadSchema = Type.Object(
  {
    version: Text('Version deployed.'),
    hash: Type.Optional(Text('Hash of the deployed artefact.')),
    approval_status: Type.Optional(Text('Approval status in the inventory, e.g. approved / pending.')),
    approval_ref: Type.Optional(Text()),
    change_type: Type.Optional(Text('Kind of change, e.g. retrain / threshold / architecture.')),
    change_plan_ref: Type.Optional(Text('Confirmed change plan (PMD Act) the change falls under.')),
    change_plan_scope: Type.Optional(Type.Array(Text(), { maxItems: 64, description: 'Change types the plan allows.' })),
    validation_ref: Type.Optional(Text()),
    validation_date: Type.Optional(Type.String({ format: 'date', description: 'Date of the last independent validation.' })),
    risk_tier: Type.Optional(Text('Risk tier in the inventory, e.g. T1 (FSA) or class-II (SaMD).')),
    owner: Type.Optional(Text()),
    third_party: Type.Optional(Type.Boolean({ description: 'Model supplied by a vendor.' })),
    vendor_validation_ref: Type.Optional(Text()),
    intended_use: Type.Optional(Text()),
  },
  { ...open, title: 'model_deployment payload' },
);

export const DataUsagePayloadSchema = Type.Object(
  {
    dataset_id: Text(),
    purpose: Text('Purpose of the use, e.g. training / inference / sharing.'),
    data_categories: Type.Array(StringEnum(DATA_CATEGORIES), { minItems: 1, uniqueItems: true }),
    legal_basis: Type.Optional(Text('APPI legal basis, e.g. consent / statistical_exception.')),
    consent_ref: Type.Optional(Text()),
    privacy_assessment_ref: Type.Optional(Text('Privacy impact assessment (DPIA).')),
    public_notice_ref: Type.Optional(Text()),
    written_agreement_ref: Type.Optional(Text()),
    recipient_org: Type.Optional(Text()),
    recipient_country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2.' })),
    transfer_basis: Type.Optional(Text('Basis for a transfer abroad.')),
    // Added in 1.1.
    data_quality_report_ref: Type.Optional(Text('Report on the quality of the training data.')),
    guardian_consent_ref: Type.Optional(Text('Consent of a guardian, for data of a child under 16.')),
    subject_pseudo_ids: Type.Optional(Type.Array(Text(), { maxItems: 10_000, description: 'Pseudo-ids of the subjects in a training snapshot.' })),
    fields_sent: Type.Optional(Type.Array(Text(), { maxItems: 256, description: 'User data fields a tag or SDK sent to the recipient.' })),
  },
  { ...open, title: 'data_usage payload' },
);

export const ReportClockSchema = Type.Object(
  {
    regulator: Text('e.g. PPC, PMDA, FSA.'),
    kind: Text('e.g. preliminary, final, malfunction_15d.'),
    due_time: Time('When the report is due.'),
    submitted_time: Type.Optional(Time('When the report was submitted.')),
  },
  open,
);

export const IncidentPayloadSchema = Type.Object(
  {
    incident_id: Text(),
    type: StringEnum(INCIDENT_TYPES),
    severity: StringEnum(SEVERITIES),
    patient_harm: Type.Optional(Text('Harm to a patient, e.g. none / potential_serious / serious / death.')),
    records_affected: Type.Optional(Count('Number of people whose records are affected.')),
    appi_triggers: Type.Optional(Type.Array(StringEnum(APPI_TRIGGERS), { uniqueItems: true })),
    awareness_time: Time('When the organisation became aware; legal clocks start here.'),
    ack_time: Type.Optional(Time('When the incident was acknowledged.')),
    root_cause_time: Type.Optional(Time('When the root cause was established.')),
    report_clocks: Type.Optional(Type.Array(ReportClockSchema, { maxItems: 16 })),
    // Added in 1.1.
    affects_device_software: Type.Optional(Type.Boolean({ description: 'A security incident touches the device software (absent: assume it does).' })),
  },
  { ...open, title: 'incident payload' },
);

export const HumanOverridePayloadSchema = Type.Object(
  {
    trace_id: Type.Optional(Text('Trace id of the prediction reviewed, when the envelope carries another.')),
    reviewer_role: Type.Optional(Text()),
    action: StringEnum(OVERRIDE_ACTIONS),
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { ...open, title: 'human_override payload' },
);

function subjectChoice<const A extends readonly string[]>(title: string, actions: A) {
  return Type.Object(
    {
      subject_pseudo_id: Text('Pseudonymous id of the data subject.'),
      scope: StringEnum(CONSENT_SCOPES),
      action: StringEnum(actions),
      action_time: Type.Optional(Time('When the subject acted.')),
      applied_time: Type.Optional(Time('When the choice took effect in the systems.')),
      guardian_consent: Type.Optional(Type.Boolean({ description: 'A guardian consented (subject under 16).' })),
    },
    { ...open, title },
  );
}

export const ConsentPayloadSchema = subjectChoice('consent payload', CONSENT_ACTIONS);
export const OptOutPayloadSchema = subjectChoice('opt_out payload', OPT_OUT_ACTIONS);

export const DisclosurePayloadSchema = Type.Object(
  {
    kind: StringEnum(DISCLOSURE_KINDS),
    version: Text('Version of the published document, e.g. ranking-params version.'),
    published_time: Type.Optional(Time('When it was published.')),
    // Added in 1.1.
    fields: Type.Optional(Type.Array(Text(), { maxItems: 256, description: 'User data fields an external-transmission notice lists.' })),
  },
  { ...open, title: 'disclosure payload' },
);

/** The payload schema of every event type: the one source of the TS types, validators and JSON files. */
export const TELEMETRY_PAYLOAD_SCHEMAS = {
  prediction: PredictionPayloadSchema,
  explanation: ExplanationPayloadSchema,
  drift_metric: DriftMetricPayloadSchema,
  performance_metric: PerformanceMetricPayloadSchema,
  model_deployment: ModelDeploymentPayloadSchema,
  data_usage: DataUsagePayloadSchema,
  incident: IncidentPayloadSchema,
  human_override: HumanOverridePayloadSchema,
  consent: ConsentPayloadSchema,
  opt_out: OptOutPayloadSchema,
  disclosure: DisclosurePayloadSchema,
} as const satisfies Record<EventType, TSchema>;

export type PredictionPayload = Static<typeof PredictionPayloadSchema>;
export type ExplanationPayload = Static<typeof ExplanationPayloadSchema>;
export type DriftMetricPayload = Static<typeof DriftMetricPayloadSchema>;
export type PerformanceMetricPayload = Static<typeof PerformanceMetricPayloadSchema>;
export type ModelDeploymentPayload = Static<typeof ModelDeploymentPayloadSchema>;
export type DataUsagePayload = Static<typeof DataUsagePayloadSchema>;
export type ReportClock = Static<typeof ReportClockSchema>;
export type IncidentPayload = Static<typeof IncidentPayloadSchema>;
export type HumanOverridePayload = Static<typeof HumanOverridePayloadSchema>;
export type ConsentPayload = Static<typeof ConsentPayloadSchema>;
export type OptOutPayload = Static<typeof OptOutPayloadSchema>;
export type DisclosurePayload = Static<typeof DisclosurePayloadSchema>;

/** Payload type by event type. */
export type TelemetryPayloadMap = { [K in EventType]: Static<(typeof TELEMETRY_PAYLOAD_SCHEMAS)[K]> };

/** A telemetry event whose payload has the shape of its type. */
export type TypedTelemetryEvent<K extends EventType = EventType> = K extends EventType
  ? Omit<TelemetryEvent, 'event_type' | 'payload'> & { event_type: K; payload: TelemetryPayloadMap[K] }
  : never;

/**
 * Narrows an event that passed `validateTelemetryEvent` to its type, so its payload is
 * typed. The payload was checked by the validator; this function checks only the type name.
 */
export function isTelemetryEventOfType<K extends EventType>(event: TelemetryEvent, type: K): event is TypedTelemetryEvent<K> {
  return event.event_type === type;
}
