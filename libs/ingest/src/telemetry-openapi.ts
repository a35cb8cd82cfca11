import { telemetryJsonSchema } from '@kanshi/contracts';
import { PROBLEM_DETAILS_SCHEMA, schemaRef, type JsonSchemaObject, type OpenApiOptions } from '@kanshi/runtime';
import { ANSWER_LIMITS } from './intake-answer';

const VALIDATION_ISSUE: JsonSchemaObject = {
  type: 'object',
  required: ['pointer', 'rule', 'message'],
  properties: {
    pointer: { type: 'string', description: 'JSON pointer to the offending value inside the event (`""` is the whole event).' },
    rule: { type: 'string', description: 'The rule broken: `required`, `type`, `enum`, `pattern`, `maxBytes`, …' },
    message: { type: 'string' },
    expected: { description: 'What the rule expected, when it says.' },
  },
};

const EVENT_FATE: JsonSchemaObject = {
  type: 'object',
  required: ['index', 'event_id', 'status'],
  properties: {
    index: { type: 'integer', minimum: 0, description: 'Position of the event in the request.' },
    event_id: { type: ['string', 'null'], description: 'The event’s `event_id`, when it had one the contract allows (1 to 128 characters).' },
    status: { enum: ['accepted', 'rejected'] },
    errors: {
      type: 'array',
      minItems: 1,
      maxItems: ANSWER_LIMITS.issuesPerEvent,
      items: schemaRef('ValidationIssue'),
      description:
        `Why the event was rejected: its first issue, and up to ${ANSWER_LIMITS.issuesPerEvent} in all while the answer’s issues stay within ` +
        `${ANSWER_LIMITS.extraIssueBytes / 1024} KiB. Pointers over ${ANSWER_LIMITS.pointerChars} characters and messages over ${ANSWER_LIMITS.messageChars} are cut (ending in “…”).`,
    },
    errors_omitted: { type: 'integer', minimum: 1, description: 'Issues of the event not listed in `errors`, when there were more.' },
  },
};

const INTAKE_RESULT: JsonSchemaObject = {
  type: 'object',
  required: ['accepted', 'rejected', 'results'],
  properties: {
    accepted: { type: 'integer', minimum: 0 },
    rejected: { type: 'integer', minimum: 0 },
    results: {
      type: 'array',
      items: schemaRef('EventFate'),
      description: `One entry per event, in request order. The whole answer stays under ${ANSWER_LIMITS.extraIssueBytes / 1024} KiB plus ${ANSWER_LIMITS.fateBytes / 1024} KiB per event.`,
    },
  },
};

const TELEMETRY_BATCH: JsonSchemaObject = {
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      items: schemaRef('TelemetryEvent'),
      description: 'At most `KANSHI_GATEWAY_MAX_BATCH` events (1,000 by default). Each is validated on its own.',
    },
  },
};

/** A 400 answer: a problem, with per-event results when the events were read but none was valid. */
const INTAKE_PROBLEM: JsonSchemaObject = {
  allOf: [schemaRef('ProblemDetails')],
  properties: {
    results: { type: 'array', items: schemaRef('EventFate') },
    position: { type: 'integer', description: 'Malformed JSON: offset of the first offending character.' },
    line: { type: 'integer' },
    column: { type: 'integer' },
  },
};

/** Named schemas of the telemetry intake, for the gateway's OpenAPI document. */
export function telemetryIntakeSchemas(): Record<string, JsonSchemaObject> {
  return {
    TelemetryEvent: telemetryJsonSchema(),
    TelemetryBatch: TELEMETRY_BATCH,
    ValidationIssue: VALIDATION_ISSUE,
    EventFate: EVENT_FATE,
    IntakeResult: INTAKE_RESULT,
    IntakeProblem: INTAKE_PROBLEM,
    ProblemDetails: PROBLEM_DETAILS_SCHEMA,
  };
}

/** The ingest gateway's OpenAPI document: title, description and the intake schemas. */
export function ingestGatewayOpenApi(): OpenApiOptions {
  return {
    title: 'Kanshi ingest gateway',
    description:
      'HTTP intake of model telemetry for producers that do not write to Kafka. Events follow the Kanshi telemetry contract v1 ' +
      '(`libs/contracts/schemas/telemetry-event.v1.json`); accepted events are stored on Kafka before the answer.',
    schemas: telemetryIntakeSchemas(),
  };
}
