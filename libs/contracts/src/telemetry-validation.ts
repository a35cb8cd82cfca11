import { isUtf8 } from 'node:buffer';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { findJsonSyntaxError } from './json-syntax';
import { EVENT_TYPES, TelemetryEventSchema, TELEMETRY_SCHEMA_MAJOR, type EventType, type TelemetryEvent } from './telemetry-event';
import { TELEMETRY_PAYLOAD_SCHEMAS } from './telemetry-payloads';
import type { DeadLetterReason } from './topics';

/** One reason an event was refused, precise enough for a producer to fix it. */
export interface ValidationIssue {
  /** JSON pointer to the offending value (`''` is the whole event). */
  readonly pointer: string;
  /** The schema rule that failed (`required`, `pattern`, `type` …). */
  readonly rule: string;
  readonly message: string;
  /** What the rule expected, when the rule says. */
  readonly expected?: unknown;
}

export type DecodeResult =
  | { readonly ok: true; readonly event: TelemetryEvent }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly issues: readonly ValidationIssue[] };

/** Default limit for one encoded event; larger records go to the dead-letter topic. */
export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time', 'date']);
const validateEnvelope = ajv.compile<TelemetryEvent>(TelemetryEventSchema);
/** One compiled payload validator per event type, built once at load. */
const payloadValidators: ReadonlyMap<string, ValidateFunction> = new Map(
  EVENT_TYPES.map((type): [EventType, ValidateFunction] => [type, ajv.compile(TELEMETRY_PAYLOAD_SCHEMAS[type])]),
);

/** `prefix` is the pointer of the validated value inside the event (`/payload` for a payload). */
function toIssue(error: ErrorObject, prefix = ''): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = String(params['missingProperty']);
    return { pointer: `${prefix}${error.instancePath}/${field}`, rule: 'required', message: `${field} is required` };
  }
  const expected =
    params['allowedValue'] ?? params['allowedValues'] ?? params['pattern'] ?? params['format'] ?? params['type'] ??
    params['limit'];
  return {
    pointer: `${prefix}${error.instancePath}`,
    rule: error.keyword,
    message: error.message ?? 'is invalid',
    ...(expected === undefined ? {} : { expected }),
  };
}

/** Collapses ajv's per-branch union errors into one issue per pointer and rule. */
function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const byKey = new Map<string, ValidationIssue>();
  for (const issue of issues) {
    const key = `${issue.pointer}\u0000${issue.rule}`;
    const seen = byKey.get(key);
    if (seen && issue.rule === 'const') {
      const values: unknown[] = Array.isArray(seen.expected) ? (seen.expected as unknown[]) : [seen.expected];
      byKey.set(key, { ...seen, message: 'must be one of the allowed values', expected: [...values, issue.expected] });
    } else if (!seen) {
      byKey.set(key, issue);
    }
  }
  // A failed union repeats itself as `anyOf`; the per-branch detail above says more.
  return [...byKey.values()].filter((i) => i.rule !== 'anyOf' || !byKey.has(`${i.pointer}\u0000const`));
}

/** Event times Kanshi stores: from the Unix epoch to the end of year 9999. */
const EARLIEST_EVENT_TIME = Date.UTC(1970, 0, 1);
const LATEST_EVENT_TIME = Date.UTC(10000, 0, 1);

/** JSON pointer of the first string (key or value) holding a NUL character, which PostgreSQL cannot store. */
function findNul(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? pointer : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const path = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) return path;
    const found = findNul(child, path);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Deepest nesting accepted; deeper documents are refused before anything recurses into them. */
export const MAX_EVENT_DEPTH = 32;

/** Whether any string (key or value) holds a NUL, or the nesting is too deep: the cheap check run on every event. */
function scan(value: unknown, depth: number): 'nul' | 'deep' | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? 'nul' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_EVENT_DEPTH) return 'deep';
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.includes('\u0000')) return 'nul';
    const found = scan(record[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** What the schema allows but the store does not: times outside 1970–9999 and NUL characters. */
function checkStorable(event: TelemetryEvent): ValidationIssue | undefined {
  const time = Date.parse(event.timestamp);
  if (!(time >= EARLIEST_EVENT_TIME && time < LATEST_EVENT_TIME)) {
    return { pointer: '/timestamp', rule: 'range', message: 'timestamp must be between 1970-01-01 and 9999-12-31', expected: '1970..9999' };
  }
  const found = scan(event, 0);
  if (found === 'deep') {
    return { pointer: '', rule: 'maxDepth', message: `objects and arrays nest more than ${MAX_EVENT_DEPTH} levels deep`, expected: MAX_EVENT_DEPTH };
  }
  // The pointer is built only for the rare event that has a NUL.
  const nul = found === 'nul' ? findNul(event, '') : undefined;
  return nul === undefined ? undefined : { pointer: nul, rule: 'nul', message: 'strings must not contain the NUL character (\\u0000)' };
}

/**
 * Checks an already-parsed value against the v1 envelope and the payload schema of its
 * `event_type` (issues inside the payload point below `/payload`). Versions with another major are
 * refused with `UNSUPPORTED_VERSION` before any other check, so a producer on a newer contract
 * gets the one reason that matters.
 */
export function validateTelemetryEvent(value: unknown): DecodeResult {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const version = (value as Record<string, unknown>)['schema_version'];
    if (typeof version === 'string' && /^[0-9]+\.[0-9]+$/.test(version)) {
      const major = Number(version.split('.')[0]);
      if (major !== TELEMETRY_SCHEMA_MAJOR) {
        return {
          ok: false,
          reason: 'UNSUPPORTED_VERSION',
          issues: [
            {
              pointer: '/schema_version',
              rule: 'major',
              message: `schema_version ${version} has major ${major}; this Kanshi reads major ${TELEMETRY_SCHEMA_MAJOR}`,
              expected: `${TELEMETRY_SCHEMA_MAJOR}.x`,
            },
          ],
        };
      }
    }
  }
  const envelopeOk = validateEnvelope(value);
  const issues = envelopeOk ? [] : (validateEnvelope.errors ?? []).map((e) => toIssue(e));
  // The payload is checked against its type's schema even when the envelope failed elsewhere,
  // so a producer sees every problem at once.
  const record = value as Record<string, unknown> | null;
  const validatePayload =
    typeof record === 'object' && record !== null ? payloadValidators.get(record['event_type'] as string) : undefined;
  const payload = validatePayload ? record?.['payload'] : undefined;
  if (validatePayload && typeof payload === 'object' && payload !== null && !Array.isArray(payload) && !validatePayload(payload)) {
    // One at a time: spreading hundreds of thousands of errors into push() overflows the stack.
    for (const error of validatePayload.errors ?? []) issues.push(toIssue(error, '/payload'));
  }
  if (envelopeOk && issues.length === 0) {
    const issue = checkStorable(value);
    return issue ? { ok: false, reason: 'SCHEMA_INVALID', issues: [issue] } : { ok: true, event: value };
  }
  return { ok: false, reason: 'SCHEMA_INVALID', issues: dedupe(issues) };
}

/** Byte offset of the first invalid UTF-8 sequence in `raw` (which must hold one). */
function invalidUtf8Offset(raw: Buffer): number {
  const text = raw.toString('utf8');
  let offset = 0;
  let from = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(text.slice(from, i));
    from = i;
    // A U+FFFD the producer really sent is encoded EF BF BD; anything else is where decoding failed.
    if (raw[offset] !== 0xef || raw[offset + 1] !== 0xbf || raw[offset + 2] !== 0xbd) return offset;
  }
  return -1;
}

/**
 * Decodes one encoded event (a Kafka record value or one HTTP item): size limit, JSON parse
 * with the error position, then {@link validateTelemetryEvent}.
 */
export function decodeTelemetryEvent(
  raw: Buffer | string | null,
  maxBytes: number = DEFAULT_MAX_EVENT_BYTES,
): DecodeResult {
  if (raw === null) {
    return { ok: false, reason: 'NOT_JSON', issues: [{ pointer: '', rule: 'json', message: 'record has no value (tombstone)' }] };
  }
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > maxBytes) {
    return {
      ok: false,
      reason: 'TOO_LARGE',
      issues: [{ pointer: '', rule: 'maxBytes', message: `event is ${size} bytes; the limit is ${maxBytes}`, expected: maxBytes }],
    };
  }
  // Decoding replaces bad bytes with U+FFFD without a word: an event would pass with its text
  // silently altered. JSON exchanged between systems must be UTF-8 (RFC 8259, section 8.1).
  if (typeof raw !== 'string' && !isUtf8(raw)) {
    const at = invalidUtf8Offset(raw);
    return {
      ok: false,
      reason: 'NOT_JSON',
      issues: [{ pointer: '', rule: 'utf8', message: `not valid UTF-8: bad byte sequence at byte ${at}; encode JSON as UTF-8` }],
    };
  }
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The scanner runs on the failure path only: it names the line and column, which V8 does not always.
    const syntax = findJsonSyntaxError(text);
    const message = syntax
      ? `not valid JSON: at line ${syntax.line}, column ${syntax.column} (position ${syntax.position}) expected ${syntax.expected}, found ${syntax.found}`
      : `not valid JSON: ${(error as Error).message}`;
    return { ok: false, reason: 'NOT_JSON', issues: [{ pointer: '', rule: 'json', message }] };
  }
  return validateTelemetryEvent(parsed);
}

/** One line a human can read, for logs and the DLQ error header. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((i) => `${i.pointer || '(event)'}: ${i.message}${i.expected === undefined ? '' : ` (expected ${JSON.stringify(i.expected)})`}`)
    .join('; ');
}
