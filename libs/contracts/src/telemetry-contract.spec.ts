import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_TYPES, TelemetryEventSchema, type EventType } from './telemetry-event';
import { telemetryJsonSchemaText } from './telemetry-json-schema';
import { MAX_ATTRIBUTE_LENGTH, MAX_RESTRICTED_ATTRIBUTES, TELEMETRY_PAYLOAD_SCHEMAS } from './telemetry-payloads';
import { validateTelemetryEvent, type DecodeResult, type ValidationIssue } from './telemetry-validation';

const LIB = join(__dirname, '..');
const SCHEMA_FILE = join(LIB, 'schemas', 'telemetry-event.v1.json');
const EXAMPLES_DIR = join(LIB, 'examples');

type Json = Record<string, unknown>;
/** A property of a payload schema, as plain JSON Schema. */
interface PropertySchema {
  readonly type?: string;
  readonly enum?: readonly string[];
  readonly items?: PropertySchema;
}

const schemaText = readFileSync(SCHEMA_FILE, 'utf8');
const fileAjv = new Ajv2020({ allErrors: true, strict: true });
addFormats(fileAjv, ['date-time', 'date']);
const validateWithFile = fileAjv.compile(JSON.parse(schemaText) as Json);

const exampleFiles = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));
const examples: [EventType, Json][] = EVENT_TYPES.map((type) => [
  type,
  JSON.parse(readFileSync(join(EXAMPLES_DIR, `${type}.json`), 'utf8')) as Json,
]);

/** A deep copy of an example with `edit` applied to it and to its payload. */
function mutate(example: Json, edit: (event: Json, payload: Json) => void): Json {
  const event = structuredClone(example);
  edit(event, event['payload'] as Json);
  return event;
}

function issuesOf(result: DecodeResult): readonly ValidationIssue[] {
  if (result.ok) throw new Error('expected the event to be refused');
  return result.issues;
}

/** Pointers the file schema's errors name, computed like the TS validator's. */
function filePointers(value: unknown): string[] {
  expect(validateWithFile(value)).toBe(false);
  return (validateWithFile.errors ?? []).map((e: ErrorObject) =>
    e.keyword === 'required' ? `${e.instancePath}/${String((e.params as Json)['missingProperty'])}` : e.instancePath,
  );
}

function payloadProperties(type: EventType): [string, PropertySchema][] {
  const schema = JSON.parse(JSON.stringify(TELEMETRY_PAYLOAD_SCHEMAS[type])) as { properties: Record<string, PropertySchema> };
  return Object.entries(schema.properties);
}

function requiredOf(schema: unknown): readonly string[] {
  return (schema as { required?: readonly string[] }).required ?? [];
}

/** A value of the wrong JSON type for a property schema. */
function wrongTypeFor(schema: PropertySchema): unknown {
  return schema.type === 'string' ? 12345 : 'not-a-' + String(schema.type);
}

describe('the committed JSON Schema file', () => {
  it('equals the document generated from the TypeBox definitions (regenerate with write-schemas)', () => {
    expect(schemaText).toBe(telemetryJsonSchemaText());
  });

  it('is a standalone 2020-12 document with an $id and one if/then per event type', () => {
    const doc = JSON.parse(schemaText) as Json;
    expect(doc['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc['$id']).toMatch(/^https:\/\//);
    expect(doc['allOf']).toHaveLength(EVENT_TYPES.length);
  });
});

describe('examples', () => {
  it('has exactly one example per event type, named after it', () => {
    expect(exampleFiles.sort()).toEqual(EVENT_TYPES.map((t) => `${t}.json`).sort());
  });

  it.each(examples)('%s is valid for the TS validator and the JSON file, and has that event_type', (type, example) => {
    expect(example['event_type']).toBe(type);
    expect(example['tenant_id']).toBe('demo');
    expect(validateTelemetryEvent(example)).toEqual({ ok: true, event: example });
    expect(validateWithFile(example)).toBe(true);
  });
});

describe('mutations of each example are refused with the expected pointer', () => {
  const envelopeRequired = requiredOf(TelemetryEventSchema).filter((f) => f !== 'schema_version');

  describe.each(examples)('%s', (type, example) => {
    it.each(envelopeRequired)('missing envelope field %s', (field) => {
      const event = mutate(example, (e) => delete e[field]);

      expect(issuesOf(validateTelemetryEvent(event))).toContainEqual(
        expect.objectContaining({ pointer: `/${field}`, rule: 'required' }),
      );
      expect(filePointers(event)).toContain(`/${field}`);
    });

    const required = requiredOf(TELEMETRY_PAYLOAD_SCHEMAS[type]);
    if (required.length > 0) it.each(required)('missing payload field %s', (field) => {
      const event = mutate(example, (_, p) => delete p[field]);

      expect(issuesOf(validateTelemetryEvent(event))).toEqual([
        { pointer: `/payload/${field}`, rule: 'required', message: `${field} is required` },
      ]);
      expect(filePointers(event)).toContain(`/payload/${field}`);
    });

    const typed = payloadProperties(type).filter(([name, s]) => s.type !== undefined && name in (example['payload'] as Json));
    if (typed.length > 0) it.each(typed)('wrong type for payload field %s', (field, schema) => {
      const event = mutate(example, (_, p) => (p[field] = wrongTypeFor(schema)));

      expect(issuesOf(validateTelemetryEvent(event))).toContainEqual(
        expect.objectContaining({ pointer: `/payload/${field}`, rule: 'type', expected: schema.type }),
      );
      expect(filePointers(event)).toContain(`/payload/${field}`);
    });

    const enums = payloadProperties(type).filter(([name, s]) => (s.enum ?? s.items?.enum) && name in (example['payload'] as Json));
    if (enums.length > 0) it.each(enums)('value outside the enum for payload field %s, listing the allowed values', (field, schema) => {
      const pointer = schema.enum ? `/payload/${field}` : `/payload/${field}/0`;
      const event = mutate(example, (_, p) => (p[field] = schema.enum ? 'not_a_value' : ['not_a_value']));

      expect(issuesOf(validateTelemetryEvent(event))).toEqual([
        expect.objectContaining({ pointer, rule: 'enum', expected: schema.enum ?? schema.items?.enum }),
      ]);
      expect(filePointers(event)).toContain(pointer);
    });

    it('payload that is not an object', () => {
      const event = mutate(example, (e) => (e['payload'] = ['not', 'an', 'object']));

      expect(issuesOf(validateTelemetryEvent(event))).toContainEqual(
        expect.objectContaining({ pointer: '/payload', rule: 'type', expected: 'object' }),
      );
      expect(filePointers(event)).toContain('/payload');
    });

    it('unknown event_type', () => {
      const event = mutate(example, (e) => (e['event_type'] = 'model_retired'));

      const result = validateTelemetryEvent(event);
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID' });
      expect(issuesOf(result)).toContainEqual(expect.objectContaining({ pointer: '/event_type', expected: [...EVENT_TYPES] }));
      expect(filePointers(event)).toContain('/event_type');
    });

    it('future major schema_version 2.0', () => {
      const event = mutate(example, (e) => (e['schema_version'] = '2.0'));

      expect(validateTelemetryEvent(event)).toMatchObject({
        ok: false,
        reason: 'UNSUPPORTED_VERSION',
        issues: [{ pointer: '/schema_version', rule: 'major', expected: '1.x' }],
      });
      expect(filePointers(event)).toContain('/schema_version');
    });

    it('accepts unknown payload fields and a newer minor version', () => {
      const event = mutate(example, (e, p) => {
        e['schema_version'] = '1.9';
        p['field_from_1_9'] = { any: 'thing' };
      });

      expect(validateTelemetryEvent(event).ok).toBe(true);
      expect(validateWithFile(event)).toBe(true);
    });
  });
});

describe('payload validation', () => {
  it('reports envelope and payload problems together', () => {
    const drift = examples.find(([t]) => t === 'drift_metric')![1];
    const event = mutate(drift, (e, p) => {
      delete e['model_id'];
      p['value'] = 'high';
    });

    const pointers = issuesOf(validateTelemetryEvent(event)).map((i) => i.pointer);

    expect(pointers).toEqual(expect.arrayContaining(['/model_id', '/payload/value']));
  });

  it('points inside nested payload objects', () => {
    const incident = examples.find(([t]) => t === 'incident')![1];
    const event = mutate(incident, (_, p) => {
      (p['report_clocks'] as Json[])[1]!['due_time'] = 'next week';
    });

    expect(issuesOf(validateTelemetryEvent(event))).toEqual([
      expect.objectContaining({ pointer: '/payload/report_clocks/1/due_time', rule: 'format', expected: 'date-time' }),
    ]);
  });

  it('accepts a prediction with an empty payload (only the envelope is needed)', () => {
    const prediction = examples.find(([t]) => t === 'prediction')![1];

    expect(validateTelemetryEvent({ ...prediction, payload: {} }).ok).toBe(true);
  });

  it('caps restricted_attributes: count, name and value lengths, in the TS validator and the file alike', () => {
    const prediction = examples.find(([t]) => t === 'prediction')![1];
    const withAttributes = (attributes: Record<string, unknown>) => mutate(prediction, (_, p) => (p['restricted_attributes'] = attributes));
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`attribute_${i}`, i % 2 === 0 ? 'x' : i]));

    expect(validateTelemetryEvent(withAttributes(many(MAX_RESTRICTED_ATTRIBUTES))).ok).toBe(true);
    expect(validateWithFile(withAttributes(many(MAX_RESTRICTED_ATTRIBUTES)))).toBe(true);
    expect(issuesOf(validateTelemetryEvent(withAttributes(many(6000))))).toEqual([
      expect.objectContaining({ pointer: '/payload/restricted_attributes', rule: 'maxProperties', expected: MAX_RESTRICTED_ATTRIBUTES }),
    ]);
    expect(filePointers(withAttributes(many(MAX_RESTRICTED_ATTRIBUTES + 1)))).toContain('/payload/restricted_attributes');
    expect(issuesOf(validateTelemetryEvent(withAttributes({ ['n'.repeat(MAX_ATTRIBUTE_LENGTH + 1)]: 'x' })))).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: '/payload/restricted_attributes', rule: 'propertyNames' })]),
    );
    expect(issuesOf(validateTelemetryEvent(withAttributes({ band: 'v'.repeat(MAX_ATTRIBUTE_LENGTH + 1) })))).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: '/payload/restricted_attributes/band', rule: 'maxLength' })]),
    );
  });
});

