import { EVENT_TYPES } from './telemetry-event';
import {
  decodeTelemetryEvent,
  DEFAULT_MAX_EVENT_BYTES,
  describeIssues,
  validateTelemetryEvent,
  type DecodeResult,
  type ValidationIssue,
} from './telemetry-validation';

/** A valid v1 event as a producer sends it on the wire. */
function wireEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema_version: '1.0',
    event_id: 'evt-0001',
    event_type: 'prediction',
    timestamp: '2025-10-01T09:30:00+09:00',
    tenant_id: 'acme-bank',
    model_id: 'credit-score',
    payload: { score: 0.42 },
    ...overrides,
  };
}

function without(field: string): Record<string, unknown> {
  const event = wireEvent();
  delete event[field];
  return event;
}

function issuesOf(result: DecodeResult): readonly ValidationIssue[] {
  if (result.ok) throw new Error('expected the event to be refused');
  return result.issues;
}

function issueAt(result: DecodeResult, pointer: string): ValidationIssue | undefined {
  return issuesOf(result).find((i) => i.pointer === pointer);
}

describe('validateTelemetryEvent', () => {
  it('accepts a valid v1 event and returns it as the event', () => {
    const value = wireEvent();

    const result = validateTelemetryEvent(value);

    expect(result).toEqual({ ok: true, event: value });
  });

  it('accepts the optional envelope fields when they are well formed', () => {
    const result = validateTelemetryEvent(
      wireEvent({ model_version: '3.1.0', sector: 'finance', environment: 'prod', trace_id: 'abc123' }),
    );

    expect(result.ok).toBe(true);
  });

  it('names the JSON pointer and the rule `required` for a missing field', () => {
    const result = validateTelemetryEvent(without('model_id'));

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.reason).toBe('SCHEMA_INVALID');
    expect(issuesOf(result)).toEqual([{ pointer: '/model_id', rule: 'required', message: 'model_id is required' }]);
  });

  it('reports every missing field at once, not only the first', () => {
    const event = without('event_id');
    delete event['payload'];

    const pointers = issuesOf(validateTelemetryEvent(event)).map((i) => i.pointer);

    expect(pointers).toEqual(expect.arrayContaining(['/event_id', '/payload']));
  });

  it('lists the allowed values, once each, for an unknown event_type', () => {
    const result = validateTelemetryEvent(wireEvent({ event_type: 'predicted' }));

    const issues = issuesOf(result).filter((i) => i.pointer === '/event_type');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rule: 'const', message: 'must be one of the allowed values' });
    expect(issues[0]?.expected).toEqual([...EVENT_TYPES]);
  });

  it('refuses a timestamp that is not an RFC 3339 date-time', () => {
    const result = validateTelemetryEvent(wireEvent({ timestamp: '01/10/2025 09:30' }));

    expect(issueAt(result, '/timestamp')).toMatchObject({ rule: 'format', expected: 'date-time' });
  });

  it('refuses a timestamp without a time-zone offset', () => {
    const result = validateTelemetryEvent(wireEvent({ timestamp: '2025-10-01T09:30:00' }));

    expect(issueAt(result, '/timestamp')).toMatchObject({ rule: 'format' });
  });

  it('refuses an impossible calendar date', () => {
    const result = validateTelemetryEvent(wireEvent({ timestamp: '2025-02-30T09:30:00Z' }));

    expect(issueAt(result, '/timestamp')).toMatchObject({ rule: 'format' });
  });

  it('accepts unknown extra fields, so a newer minor version does not break this consumer', () => {
    const value = wireEvent({ schema_version: '1.7', region: 'ap-northeast-1', new_block: { a: 1 } });

    const result = validateTelemetryEvent(value);

    expect(result.ok).toBe(true);
    expect(result.ok && result.event).toMatchObject({ region: 'ap-northeast-1', new_block: { a: 1 } });
  });

  it('refuses another major version with UNSUPPORTED_VERSION and the one issue that matters', () => {
    // Also broken otherwise: the version must be the only reason given.
    const event = wireEvent({ schema_version: '2.0' });
    delete event['payload'];

    const result = validateTelemetryEvent(event);

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.reason).toBe('UNSUPPORTED_VERSION');
    expect(issuesOf(result)).toEqual([
      expect.objectContaining({ pointer: '/schema_version', rule: 'major', expected: '1.x' }),
    ]);
  });

  it('refuses a schema_version that is not MAJOR.MINOR as a schema error', () => {
    const result = validateTelemetryEvent(wireEvent({ schema_version: 'v1' }));

    expect(result.ok ? undefined : result.reason).toBe('SCHEMA_INVALID');
    expect(issueAt(result, '/schema_version')).toMatchObject({ rule: 'pattern' });
  });

  it.each(['acme:bank', 'acme bank', '-acme', ''])('refuses tenant_id %j', (tenantId) => {
    const result = validateTelemetryEvent(wireEvent({ tenant_id: tenantId }));

    expect(issueAt(result, '/tenant_id')).toBeDefined();
  });

  it('refuses a model_id containing ":" (the record key separator)', () => {
    const result = validateTelemetryEvent(wireEvent({ model_id: 'credit:score' }));

    expect(issueAt(result, '/model_id')).toMatchObject({ rule: 'pattern' });
  });

  it('refuses a value that is not an object', () => {
    const result = validateTelemetryEvent([wireEvent()]);

    expect(result.ok ? undefined : result.reason).toBe('SCHEMA_INVALID');
    expect(issueAt(result, '')).toMatchObject({ rule: 'type', expected: 'object' });
  });

  it('reports an event with hundreds of thousands of payload issues without overflowing the stack', () => {
    const payload = { dataset_id: 'd', purpose: 'training', data_categories: ['personal'], subject_pseudo_ids: Array<string>(300_000).fill('') };

    const issues = issuesOf(validateTelemetryEvent(wireEvent({ event_type: 'data_usage', payload })));

    expect(issues.length).toBeGreaterThan(300_000);
    expect(issues[0]).toMatchObject({ pointer: '/payload/subject_pseudo_ids', rule: 'maxItems' });
  });

  it('refuses a sector outside the known sectors', () => {
    const result = validateTelemetryEvent(wireEvent({ sector: 'retail' }));

    expect(issueAt(result, '/sector')).toBeDefined();
  });
});

describe('decodeTelemetryEvent', () => {
  it('decodes a valid event from a string and from a Buffer', () => {
    const text = JSON.stringify(wireEvent());

    expect(decodeTelemetryEvent(text).ok).toBe(true);
    expect(decodeTelemetryEvent(Buffer.from(text, 'utf8')).ok).toBe(true);
  });

  it('refuses text that is not JSON with NOT_JSON, naming the line, column and position', () => {
    const result = decodeTelemetryEvent(Buffer.from('{"schema_version": "1.0",\n  "event_id": }', 'utf8'));

    expect(result.ok ? undefined : result.reason).toBe('NOT_JSON');
    const [issue] = issuesOf(result);
    expect(issue).toMatchObject({ pointer: '', rule: 'json' });
    expect(issue?.message).toBe('not valid JSON: at line 2, column 15 (position 40) expected a value (object, array, string, number, true, false or null), found "}"');
  });

  it('refuses a record without a value (a tombstone) with NOT_JSON', () => {
    const result = decodeTelemetryEvent(null);

    expect(result.ok ? undefined : result.reason).toBe('NOT_JSON');
    expect(issuesOf(result)[0]?.message).toMatch(/tombstone/);
  });

  it('refuses the JSON literal null as a schema error on the whole event', () => {
    const result = decodeTelemetryEvent('null');

    expect(result.ok ? undefined : result.reason).toBe('SCHEMA_INVALID');
    expect(issueAt(result, '')).toMatchObject({ rule: 'type', expected: 'object' });
  });

  it('refuses an event over the size limit with TOO_LARGE, before parsing it', () => {
    const result = decodeTelemetryEvent('x'.repeat(2048), 1024);

    expect(result.ok ? undefined : result.reason).toBe('TOO_LARGE');
    expect(issuesOf(result)).toEqual([expect.objectContaining({ rule: 'maxBytes', expected: 1024 })]);
  });

  it('counts the limit in UTF-8 bytes, not in characters', () => {
    // 400 characters of 3 bytes each: under 1024 characters, over 1024 bytes.
    const text = JSON.stringify(wireEvent({ payload: { note: 'あ'.repeat(400) } }));
    expect(text.length).toBeLessThan(1024);

    expect(decodeTelemetryEvent(text, 1024)).toMatchObject({ ok: false, reason: 'TOO_LARGE' });
  });

  it('refuses bytes that are not UTF-8 with NOT_JSON and the offset, instead of replacing them', () => {
    const text = Buffer.from(JSON.stringify(wireEvent({ model_version: 'v1 \uFFFD ok', system: 'MARK' })), 'utf8');
    const at = text.indexOf('MARK');
    // A lone continuation byte, an overlong "/", an encoded surrogate, a byte never used in UTF-8.
    for (const bad of [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]]) {
      const raw = Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at + 4)]);
      const result = decodeTelemetryEvent(raw);

      expect(result.ok ? undefined : result.reason).toBe('NOT_JSON');
      expect(issuesOf(result)).toEqual([expect.objectContaining({ pointer: '', rule: 'utf8', message: expect.stringContaining(`at byte ${at}`) })]);
    }
    // A real U+FFFD (bytes EF BF BD) is valid UTF-8 and stays accepted.
    expect(decodeTelemetryEvent(Buffer.concat([text.subarray(0, at), Buffer.from('\uFFFD'), text.subarray(at + 4)])).ok).toBe(true);
  });

  it('accepts an event of exactly the limit', () => {
    const text = JSON.stringify(wireEvent());

    expect(decodeTelemetryEvent(text, Buffer.byteLength(text)).ok).toBe(true);
  });

  it('uses 256 KiB as the default limit', () => {
    const big = JSON.stringify(wireEvent({ payload: { blob: 'a'.repeat(DEFAULT_MAX_EVENT_BYTES) } }));

    expect(DEFAULT_MAX_EVENT_BYTES).toBe(262_144);
    expect(decodeTelemetryEvent(big)).toMatchObject({ ok: false, reason: 'TOO_LARGE' });
  });

  it('runs the schema checks after parsing', () => {
    const result = decodeTelemetryEvent(JSON.stringify(wireEvent({ schema_version: '2.0' })));

    expect(result).toMatchObject({ ok: false, reason: 'UNSUPPORTED_VERSION' });
  });
});

describe('describeIssues', () => {
  it('writes one line: pointer, message and expected value, issues separated by "; "', () => {
    const line = describeIssues([
      { pointer: '/model_id', rule: 'required', message: 'model_id is required' },
      { pointer: '/event_type', rule: 'const', message: 'must be one of the allowed values', expected: ['a', 'b'] },
    ]);

    expect(line).toBe('/model_id: model_id is required; /event_type: must be one of the allowed values (expected ["a","b"])');
  });

  it('calls the empty pointer "(event)"', () => {
    expect(describeIssues([{ pointer: '', rule: 'json', message: 'not valid JSON' }])).toBe('(event): not valid JSON');
  });

  it('is empty for no issues', () => {
    expect(describeIssues([])).toBe('');
  });

  it('describes a real refusal without losing the pointer', () => {
    const line = describeIssues(issuesOf(validateTelemetryEvent(without('tenant_id'))));

    expect(line).toContain('/tenant_id: tenant_id is required');
  });

  describe('values the store cannot keep', () => {
    const base = {
      schema_version: '1.0',
      event_id: 'e-1',
      event_type: 'prediction',
      timestamp: '2026-01-01T00:00:00Z',
      tenant_id: 'acme',
      model_id: 'm',
      payload: {},
    };

    it.each(['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z'])('refuses the timestamp %s with a range issue', (timestamp) => {
      const result = validateTelemetryEvent({ ...base, timestamp });
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID', issues: [{ pointer: '/timestamp', rule: 'range' }] });
    });

    it('refuses a NUL character anywhere and points at it', () => {
      // An unknown payload field, so the payload schema does not refuse it first.
      const result = validateTelemetryEvent({ ...base, payload: { context: { name: 'a\u0000b' } } });
      expect(result).toMatchObject({ ok: false, issues: [{ pointer: '/payload/context/name', rule: 'nul' }] });
    });

    it('accepts a timestamp with microseconds and an offset', () => {
      expect(validateTelemetryEvent({ ...base, timestamp: '2026-01-01T09:00:00.123456+09:00' }).ok).toBe(true);
    });
  });

  it('refuses an event nested deeper than the limit without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}"leaf"${']'.repeat(100_000)}`;
    const raw =
      '{"schema_version":"1.0","event_id":"e-deep","event_type":"prediction","timestamp":"2026-01-01T00:00:00Z",' +
      `"tenant_id":"acme","model_id":"m","payload":{"extra":${deep}}}`;
    const result = decodeTelemetryEvent(raw, raw.length);
    expect(result).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID', issues: [{ rule: 'maxDepth' }] });
  });
});
