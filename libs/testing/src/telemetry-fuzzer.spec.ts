import { decodeTelemetryEvent, parseIngestKey, parseTelemetrySignature, SIGNATURE_HEADER, validateTelemetryEvent, verifyTelemetryMac } from '@kanshi/contracts';
import { fuzzSeed, INVALID_EVENT_KINDS, MALFORMED_RECORD_KINDS, SeededRandom, TelemetryFuzzer } from './telemetry-fuzzer';

const options = { tenantId: 'acme', unknownTenantId: 'nobody', ingestKey: `kanshi_ingest_0123456789ab_${'s'.repeat(43)}`, maxEventBytes: 4096, maxHugeBytes: 20_000 };
const seeds = [0, 1, 42, 0xdeadbeef, fuzzSeed()];

describe('TelemetryFuzzer', () => {
  it('gives the same records for the same seed, and others for another seed', () => {
    const run = (seed: number) => new TelemetryFuzzer(seed, options).malformedRecords(60).map((r) => [r.kind, r.key, r.value?.toString('base64')]);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    expect(new SeededRandom(3).shuffle([1, 2, 3, 4, 5, 6]).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each(seeds)('makes valid events that the contract accepts (seed %i)', (seed) => {
    const fuzzer = new TelemetryFuzzer(seed, options);
    for (let i = 0; i < 200; i++) {
      const event = fuzzer.validEvent(`model-${i % 7}`);
      const decoded = decodeTelemetryEvent(Buffer.from(JSON.stringify(event)), options.maxEventBytes);
      expect(decoded.ok ? 'ok' : decoded.issues).toBe('ok');
    }
  });

  it.each(seeds)('makes invalid events refused with the reason, pointer and rule it announces (seed %i)', (seed) => {
    const fuzzer = new TelemetryFuzzer(seed, options);
    for (const kind of [...INVALID_EVENT_KINDS, ...INVALID_EVENT_KINDS, ...INVALID_EVENT_KINDS]) {
      const invalid = fuzzer.invalidEvent(kind);
      const decoded = decodeTelemetryEvent(invalid.json, options.maxEventBytes);
      expect(decoded.ok).toBe(false);
      if (decoded.ok) continue;
      expect({ kind, reason: decoded.reason }).toEqual({ kind, reason: invalid.reason });
      if (kind !== 'huge-string') {
        // The gateway validates parsed events: the same issue must come out of the parsed value.
        const parsed = validateTelemetryEvent(JSON.parse(invalid.json));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.issues).toContainEqual(expect.objectContaining(invalid.issue));
      } else {
        expect(decoded.issues).toContainEqual(expect.objectContaining(invalid.issue));
      }
    }
  });

  it.each(seeds)('makes malformed records of every kind with keys of their own (seed %i)', (seed) => {
    const records = new TelemetryFuzzer(seed, options).malformedRecords(200, 2);
    expect(new Set(records.map((r) => r.kind))).toEqual(new Set(MALFORMED_RECORD_KINDS));
    expect(new Set(records.map((r) => r.key)).size).toBe(records.length);
    for (const record of records) {
      const decoded = decodeTelemetryEvent(record.value, options.maxEventBytes);
      const signature = parseTelemetrySignature(record.headers[SIGNATURE_HEADER]);
      const signedByTenant = signature !== undefined && verifyTelemetryMac(signature, parseIngestKey(options.ingestKey)!.secret, record.key, record.value);
      // Only the kinds about signatures lack the tenant's signature.
      expect({ kind: record.kind, signedByTenant }).toEqual({ kind: record.kind, signedByTenant: record.kind !== 'unsigned' && record.kind !== 'forged-signature' });
      if (record.reason === 'UNAUTHENTICATED' || record.reason === 'TENANT_MISMATCH') {
        // Well-formed events: only the engine's signature and tenant checks refuse them.
        expect(decoded.ok).toBe(true);
        expect(record.key.startsWith(`${record.kind === 'unknown-tenant' ? 'nobody' : 'acme'}:`)).toBe(true);
      } else {
        expect({ kind: record.kind, reason: decoded.ok ? 'accepted' : decoded.reason }).toEqual({ kind: record.kind, reason: record.reason });
      }
    }
  });

  it('caps the kinds it is asked to cap, and still fills up to the total', () => {
    const records = new TelemetryFuzzer(5, options).malformedRecords(120, 2, { 'huge-string': 3, 'oversized-binary': 1 });
    const of = (kind: string) => records.filter((r) => r.kind === kind).length;

    expect(records).toHaveLength(120);
    expect(of('huge-string')).toBeLessThanOrEqual(3);
    expect(of('oversized-binary')).toBe(1);
    expect(of('tombstone')).toBeGreaterThanOrEqual(2);
  });

  it('reads a replay seed from KANSHI_FUZZ_SEED and refuses a bad one', () => {
    expect(fuzzSeed({ KANSHI_FUZZ_SEED: '12345' })).toBe(12345);
    expect(() => fuzzSeed({ KANSHI_FUZZ_SEED: 'abc' })).toThrow('KANSHI_FUZZ_SEED');
    expect(Number.isInteger(fuzzSeed({}))).toBe(true);
  });
});
