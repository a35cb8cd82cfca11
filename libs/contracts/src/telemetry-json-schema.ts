import { EVENT_TYPES, TelemetryEventSchema } from './telemetry-event';
import { TELEMETRY_PAYLOAD_SCHEMAS } from './telemetry-payloads';

/** Where the plain JSON Schema of the v1 telemetry event is committed, from the repository root. */
export const TELEMETRY_JSON_SCHEMA_PATH = 'libs/contracts/schemas/telemetry-event.v1.json';

/** A TypeBox schema as plain JSON (TypeBox's symbol keys dropped). */
function plain(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/**
 * The v1 telemetry event as one standalone JSON Schema (2020-12) document, for producers in
 * other languages: the envelope, each payload under `$defs`, and one `if event_type = X then
 * payload is X's payload` per event type. Generated from the TypeBox definitions, which stay the
 * only source; a spec checks that the committed file equals this document.
 */
export function telemetryJsonSchema(): Record<string, unknown> {
  const { $id, title, ...envelope } = plain(TelemetryEventSchema);
  const defs: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) defs[`${type}_payload`] = plain(TELEMETRY_PAYLOAD_SCHEMAS[type]);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id,
    title,
    ...envelope,
    allOf: EVENT_TYPES.map((type) => ({
      if: { type: 'object', properties: { event_type: { const: type } }, required: ['event_type'] },
      then: { type: 'object', properties: { payload: { $ref: `#/$defs/${type}_payload` } } },
    })),
    $defs: defs,
  };
}

/** The document as committed: two-space JSON with a final newline. */
export function telemetryJsonSchemaText(): string {
  return `${JSON.stringify(telemetryJsonSchema(), null, 2)}\n`;
}
