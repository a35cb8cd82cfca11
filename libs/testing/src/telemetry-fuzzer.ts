import {
  MAX_EVENT_DEPTH,
  parseIngestKey,
  SIGNATURE_HEADER,
  signTelemetryRecord,
  telemetryKey,
  type DeadLetterReason,
  type IngestCredential,
  type TelemetryEvent,
} from '@kanshi/contracts';

/**
 * A small seeded generator (mulberry32): the same seed gives the same sequence on every
 * machine, so a failing fuzz run is replayed exactly from the seed it printed.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** Letters and digits, so the size in bytes is the length and nothing compresses much. */
  text(length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** The seed of a fuzz run: `KANSHI_FUZZ_SEED` to replay one, else a fresh one. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['KANSHI_FUZZ_SEED'];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`KANSHI_FUZZ_SEED must be an integer from 0 to 4294967295, got "${given}"`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** Events that are still JSON but break the contract: a gateway batch can carry them. */
export const INVALID_EVENT_KINDS = [
  'wrong-type',
  'missing-field',
  'unknown-event-type',
  'future-major',
  'deep-nesting',
  'huge-string',
  'nul-character',
  'time-out-of-range',
] as const;
export type InvalidEventKind = (typeof INVALID_EVENT_KINDS)[number];

/**
 * Every way a Kafka record can be unusable: the invalid events, values that are no JSON event,
 * tenant faults, and records that do not carry the tenant's signature.
 */
export const MALFORMED_RECORD_KINDS = [
  ...INVALID_EVENT_KINDS,
  'truncated-json',
  'binary-garbage',
  'oversized-binary',
  'invalid-utf8',
  'empty-value',
  'tombstone',
  'unknown-tenant',
  'tenant-mismatch',
  'unsigned',
  'forged-signature',
] as const;
export type MalformedRecordKind = (typeof MALFORMED_RECORD_KINDS)[number];

/** An event the contract refuses, with the reason and the issue (pointer and rule) Kanshi must report. */
export interface InvalidEvent {
  readonly kind: InvalidEventKind;
  /** The event as JSON text (built as text: a deep nesting would overflow `JSON.stringify`). */
  readonly json: string;
  readonly eventId: string | null;
  readonly reason: DeadLetterReason;
  readonly issue: { readonly pointer: string; readonly rule: string };
}

/**
 * A Kafka record the engine must dead-letter, under a key no other record of the run has.
 * Signed with the tenant's ingest key (`headers`), but for the kinds about signatures.
 */
export interface MalformedRecord {
  readonly kind: MalformedRecordKind;
  readonly key: string;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: DeadLetterReason;
}

export interface TelemetryFuzzerOptions {
  /** The tenant the events name (it must exist for valid events to be evaluated). */
  readonly tenantId: string;
  /** A tenant that does not exist. */
  readonly unknownTenantId: string;
  /** The tenant's whole ingest key: malformed records are signed with it, so only their flaw refuses them. */
  readonly ingestKey: string;
  /** Kanshi's limit for one encoded event (`KANSHI_MAX_EVENT_BYTES`). */
  readonly maxEventBytes: number;
  /**
   * Largest value of an oversized event or record: what the broker stores in one record batch
   * (the topic's `max.message.bytes`) less room for the key and the batch framing.
   */
  readonly maxHugeBytes: number;
}

/** Minimal valid payloads of several event types; the rules that read them see realistic shapes. */
const PAYLOADS: readonly ((r: SeededRandom) => [TelemetryEvent['event_type'], Record<string, unknown>])[] = [
  (r) => ['prediction', { input_hash: r.text(12), score: r.next(), decision: r.pick(['approve', 'decline', '承認', '否認']) }],
  (r) => ['drift_metric', { feature: r.pick(['income', 'age', '年収']), metric: r.pick(['psi', 'ks', 'js']), value: r.next() }],
  (r) => ['performance_metric', { metric: r.pick(['auc', 'sensitivity']), value: r.next(), n: r.int(0, 100_000) }],
  (r) => ['explanation', { reason_codes: Array.from({ length: r.int(0, 5) }, () => r.text(4)) }],
  (r) => ['human_override', { action: r.pick(['confirm', 'override']), reason: '担当者が確認しました 🙆' }],
  (r) => ['consent', { subject_pseudo_id: `subj-${r.text(8)}`, scope: 'recommendation', action: r.pick(['grant', 'withdraw']) }],
  (r) => ['disclosure', { kind: 'ranking_params', version: `${r.int(1, 9)}.${r.int(0, 9)}` }],
];

/** Contract time limits: the store holds 1970 to 9999, so the fuzzer's times stay well inside. */
const BASE_TIME = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/**
 * Generates valid events and every kind of malformed one, deterministically from a seed. Each
 * malformed record carries a key of its own (`tenant:fuzz-N`), so its dead letter can be told
 * apart, and names a model no valid event uses, so an alert for it would show it was evaluated.
 */
export class TelemetryFuzzer {
  readonly random: SeededRandom;
  private counter = 0;

  constructor(
    readonly seed: number,
    private readonly options: TelemetryFuzzerOptions,
  ) {
    this.random = new SeededRandom(seed);
  }

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.seed.toString(16)}-${this.counter}`;
  }

  /** A valid event of a random type for `modelId`, with optional fields, non-ASCII text and newer minors. */
  validEvent(modelId: string, tenantId = this.options.tenantId): TelemetryEvent {
    const r = this.random;
    const [eventType, payload] = r.pick(PAYLOADS)(r);
    const minor = r.int(0, 9);
    const offset = r.pick(['Z', '+09:00', '-05:00']);
    const time = new Date(BASE_TIME + r.int(0, 30 * DAY_MS)).toISOString();
    const event: Record<string, unknown> = {
      schema_version: `1.${minor}`,
      event_id: this.nextId('evt'),
      event_type: eventType,
      timestamp: offset === 'Z' ? time : time.replace('Z', offset),
      tenant_id: tenantId,
      model_id: modelId,
      payload,
    };
    if (r.next() < 0.5) event['model_version'] = `v${r.int(1, 9)}.${r.int(0, 20)}-日本`;
    if (r.next() < 0.3) event['jurisdiction'] = 'JP';
    // A newer minor may add fields this Kanshi does not know yet: they are ignored.
    if (minor > 0) event[`added_in_1_${minor}`] = { note: r.text(8) };
    return event as TelemetryEvent;
  }

  /** A valid event for a model of its own, as a plain object: the base of most mutations. */
  private baseEvent(tenantId = this.options.tenantId): Record<string, unknown> {
    return this.validEvent(this.nextId('fuzz'), tenantId);
  }

  invalidEvent(kind: InvalidEventKind = this.random.pick(INVALID_EVENT_KINDS)): InvalidEvent {
    const r = this.random;
    const event = this.baseEvent();
    const invalid = (issue: InvalidEvent['issue'], reason: DeadLetterReason = 'SCHEMA_INVALID', json = JSON.stringify(event)): InvalidEvent => ({
      kind,
      json,
      eventId: typeof event['event_id'] === 'string' ? event['event_id'] : null,
      reason,
      issue,
    });
    switch (kind) {
      case 'wrong-type': {
        const [field, value] = r.pick<[string, unknown]>([
          ['event_id', r.int(1, 1e9)],
          ['timestamp', BASE_TIME + r.int(0, 30 * DAY_MS)],
          ['schema_version', 1.1],
          ['tenant_id', [this.options.tenantId]],
          ['model_id', true],
          ['payload', r.pick(['prediction', [1, 2, 3], 42])],
        ]);
        event[field] = value;
        return invalid({ pointer: `/${field}`, rule: 'type' });
      }
      case 'missing-field': {
        const field = r.pick(['schema_version', 'event_id', 'event_type', 'timestamp', 'tenant_id', 'model_id', 'payload']);
        delete event[field];
        return invalid({ pointer: `/${field}`, rule: 'required' });
      }
      case 'unknown-event-type':
        event['event_type'] = r.pick(['telepathy', 'Prediction', 'prediction ', 'drift-metric', '']);
        return invalid({ pointer: '/event_type', rule: 'const' });
      case 'future-major':
        event['schema_version'] = `${r.int(2, 99)}.${r.int(0, 9)}`;
        return invalid({ pointer: '/schema_version', rule: 'major' }, 'UNSUPPORTED_VERSION');
      case 'deep-nesting': {
        // payload.output sits two levels below the event, so this many levels is past the limit.
        const [open, close] = r.next() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
        // Extra payload fields are allowed, so nothing but the depth is wrong.
        event['payload'] = { ...(event['payload'] as object), output: '\u0001deep\u0001' };
        // Deep, yet within the size limit, so the depth is what the event is refused for.
        const room = Math.floor((this.options.maxEventBytes - JSON.stringify(event).length) / (open.length + close.length));
        const depth = r.int(MAX_EVENT_DEPTH, Math.max(MAX_EVENT_DEPTH, Math.min(5000, room)));
        const json = JSON.stringify(event).replace('"\\u0001deep\\u0001"', `${open.repeat(depth)}1${close.repeat(depth)}`);
        return invalid({ pointer: '', rule: 'maxDepth' }, 'SCHEMA_INVALID', json);
      }
      case 'huge-string': {
        const { maxEventBytes, maxHugeBytes } = this.options;
        const size = r.int(maxEventBytes + 1, maxHugeBytes);
        const padding = size - Buffer.byteLength(JSON.stringify({ ...event, blob: '' }));
        event['blob'] = r.text(Math.max(1, padding));
        return invalid({ pointer: '', rule: 'maxBytes' }, 'TOO_LARGE');
      }
      case 'nul-character': {
        const field = r.pick(['model_version', 'jurisdiction']);
        event[field] = `before\u0000after`;
        return invalid({ pointer: `/${field}`, rule: 'nul' });
      }
      case 'time-out-of-range':
        event['timestamp'] = r.pick(['1969-12-31T23:59:59Z', '1900-01-01T00:00:00+09:00']);
        return invalid({ pointer: '/timestamp', rule: 'range' });
    }
  }

  malformedRecord(kind: MalformedRecordKind = this.random.pick(MALFORMED_RECORD_KINDS)): MalformedRecord {
    const record = this.unsignedMalformedRecord(kind);
    if (kind === 'unsigned') return record;
    const credential: IngestCredential =
      kind === 'forged-signature' ? { keyId: this.credential.keyId, secret: this.random.text(43) } : this.credential;
    return { ...record, headers: { [SIGNATURE_HEADER]: signTelemetryRecord(credential, record.key, record.value) } };
  }

  private get credential(): IngestCredential {
    const credential = parseIngestKey(this.options.ingestKey);
    if (!credential) throw new Error('TelemetryFuzzer needs a whole ingest key (kanshi_ingest_…)');
    return credential;
  }

  private unsignedMalformedRecord(kind: MalformedRecordKind): MalformedRecord {
    const r = this.random;
    const { tenantId, unknownTenantId } = this.options;
    const ofTenant = (event: Record<string, unknown>, key: string, value: Buffer | null, reason: DeadLetterReason): MalformedRecord => ({
      kind,
      key: telemetryKey(key, event['model_id'] as string),
      value,
      headers: {},
      reason,
    });
    const encode = (event: Record<string, unknown>) => Buffer.from(JSON.stringify(event), 'utf8');
    switch (kind) {
      case 'truncated-json': {
        const event = this.baseEvent();
        const text = JSON.stringify(event);
        return ofTenant(event, tenantId, Buffer.from(text.slice(0, r.int(1, text.length - 1)), 'utf8'), 'NOT_JSON');
      }
      case 'binary-garbage': {
        const value = r.bytes(r.int(1, 4096));
        // A first byte no UTF-8 JSON text starts with, so no seed yields valid JSON by chance.
        value[0] = r.int(0x80, 0xff);
        return ofTenant(this.baseEvent(), tenantId, value, 'NOT_JSON');
      }
      case 'oversized-binary': {
        // Bytes nothing compresses, often right at the broker's limit: too large to be an event,
        // and too large to be dead-lettered whole with headers added.
        const { maxEventBytes, maxHugeBytes } = this.options;
        const size = r.next() < 0.5 ? maxHugeBytes : r.int(maxEventBytes + 1, maxHugeBytes);
        return ofTenant(this.baseEvent(), tenantId, r.bytes(size), 'TOO_LARGE');
      }
      case 'invalid-utf8': {
        const event = this.baseEvent();
        event['model_version'] = 'MARK';
        const text = Buffer.from(JSON.stringify(event), 'utf8');
        const at = text.indexOf('MARK');
        const bad = Buffer.from(r.pick([[0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]]));
        return ofTenant(event, tenantId, Buffer.concat([text.subarray(0, at), bad, text.subarray(at + 4)]), 'NOT_JSON');
      }
      case 'empty-value':
        return ofTenant(this.baseEvent(), tenantId, Buffer.alloc(0), 'NOT_JSON');
      case 'tombstone':
        return ofTenant(this.baseEvent(), tenantId, null, 'NOT_JSON');
      case 'unknown-tenant': {
        // Signed with the fuzzed tenant's key: it cannot speak for another tenant, existing or not.
        const event = this.baseEvent(unknownTenantId);
        return ofTenant(event, unknownTenantId, encode(event), 'UNAUTHENTICATED');
      }
      case 'unsigned':
      case 'forged-signature': {
        const event = this.baseEvent();
        return ofTenant(event, tenantId, encode(event), 'UNAUTHENTICATED');
      }
      case 'tenant-mismatch': {
        // The key names the real tenant; the event claims another one.
        const event = this.baseEvent(unknownTenantId);
        return ofTenant(event, tenantId, encode(event), 'TENANT_MISMATCH');
      }
      default: {
        const invalid = this.invalidEvent(kind);
        const modelId = /"model_id":"([^"]+)"/.exec(invalid.json)?.[1] ?? this.nextId('fuzz');
        return { kind, key: telemetryKey(tenantId, modelId), value: Buffer.from(invalid.json, 'utf8'), headers: {}, reason: invalid.reason };
      }
    }
  }

  /**
   * At least `perKind` records of every kind, then random kinds up to `total`; `atMost` caps
   * kinds that are slow to send (the oversized ones).
   */
  malformedRecords(total: number, perKind = 1, atMost: Partial<Record<MalformedRecordKind, number>> = {}): MalformedRecord[] {
    const count = new Map<MalformedRecordKind, number>();
    const kinds = MALFORMED_RECORD_KINDS.flatMap((kind) => Array<MalformedRecordKind>(Math.min(perKind, atMost[kind] ?? perKind)).fill(kind));
    for (const kind of kinds) count.set(kind, (count.get(kind) ?? 0) + 1);
    const open = MALFORMED_RECORD_KINDS.filter((kind) => (count.get(kind) ?? 0) < (atMost[kind] ?? Infinity));
    while (kinds.length < total && open.length > 0) {
      const kind = this.random.pick(open);
      kinds.push(kind);
      count.set(kind, (count.get(kind) ?? 0) + 1);
      if ((count.get(kind) ?? 0) >= (atMost[kind] ?? Infinity)) open.splice(open.indexOf(kind), 1);
    }
    return kinds.map((kind) => this.malformedRecord(kind));
  }
}
