import { Type, type Static } from '@sinclair/typebox';
import { SECTORS } from './sectors';

/** Event types from the policy brief's "Telemetry fields". Persisted on the wire: never rename. */
export const EVENT_TYPES = [
  'prediction',
  'explanation',
  'drift_metric',
  'performance_metric',
  'model_deployment',
  'data_usage',
  'incident',
  'human_override',
  'consent',
  'opt_out',
  'disclosure',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The major version of the telemetry contract this code reads. */
export const TELEMETRY_SCHEMA_MAJOR = 1;

/** The `schema_version` producers built on this code write: the newest minor of the major above. */
export const TELEMETRY_SCHEMA_VERSION = `${TELEMETRY_SCHEMA_MAJOR}.1`;

/**
 * Identifiers of tenants and models. No `:` because the record key is `tenant:model`, and
 * no whitespace so they are safe in URLs, logs and metric labels.
 */
const Identifier = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' });
const ShortText = Type.String({ minLength: 1, maxLength: 256 });

/**
 * The common envelope of every telemetry event (wire format, snake_case). Unknown fields are
 * accepted so that fields added in a minor version do not break older consumers; the
 * type-specific fields travel in `payload`.
 */
export const TelemetryEventSchema = Type.Object(
  {
    schema_version: Type.String({
      // Major 1 only, so a producer validating with the plain JSON file also catches a wrong major.
      pattern: '^1\\.[0-9]+$',
      description: 'Contract version "MAJOR.MINOR"; this schema is major 1.',
    }),
    event_id: Type.String({ minLength: 1, maxLength: 128, description: 'Unique per event; redeliveries keep it.' }),
    event_type: Type.Union(
      EVENT_TYPES.map((t) => Type.Literal(t)),
      { description: 'One of the telemetry event types.' },
    ),
    timestamp: Type.String({ format: 'date-time', description: 'Event time, RFC 3339 with offset.' }),
    tenant_id: Identifier,
    model_id: Identifier,
    model_version: Type.Optional(ShortText),
    model_hash: Type.Optional(ShortText),
    system: Type.Optional(ShortText),
    environment: Type.Optional(ShortText),
    sector: Type.Optional(Type.Union(SECTORS.map((s) => Type.Literal(s)))),
    jurisdiction: Type.Optional(ShortText),
    trace_id: Type.Optional(ShortText),
    payload: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Type-specific fields of the event; their schema depends on event_type (telemetry-payloads.ts).',
    }),
  },
  {
    $id: 'https://schemas.kanshi.dev/telemetry/v1/event.json',
    title: 'Kanshi telemetry event v1',
    additionalProperties: true,
  },
);

export type TelemetryEvent = Static<typeof TelemetryEventSchema>;
