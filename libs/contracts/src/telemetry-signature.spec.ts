import {
  parseIngestKey,
  parseTelemetrySignature,
  signTelemetryRecord,
  telemetryMac,
  verifyTelemetryMac,
  type IngestCredential,
} from './telemetry-signature';

const credential: IngestCredential = { keyId: '0123456789ab', secret: 'S'.repeat(43) };
const key = 'acme:credit';
const value = '{"event_id":"e-1"}';

describe('telemetry signatures (v1)', () => {
  it('matches the documented algorithm as another implementation computes it (Python hmac, hashlib)', () => {
    // python3: hmac.new(secret, b"v1\n" + str(len(key)).encode() + b"\n" + key + value, hashlib.sha256).hexdigest()
    expect(telemetryMac(credential.secret, key, value).toString('hex')).toBe('5051d8b5432b2cbecf0d966f4e481303e9976eecbcc634b16eb3a3c6f3ef955d');
    // A record without a key is signed with an empty one.
    expect(telemetryMac(credential.secret, null, value).toString('hex')).toBe('6b7de0410ae1b9f660077121f266390a9b3bdb0ce7d6a06838ca98ff90496311');
  });

  it('writes k=<key id>,v1=<hex> and verifies what it wrote, for strings and bytes alike', () => {
    const header = signTelemetryRecord(credential, key, value);
    expect(header).toBe('k=0123456789ab,v1=5051d8b5432b2cbecf0d966f4e481303e9976eecbcc634b16eb3a3c6f3ef955d');
    const signature = parseTelemetrySignature(Buffer.from(header))!;
    expect(signature.keyId).toBe('0123456789ab');
    expect(verifyTelemetryMac(signature, credential.secret, Buffer.from(key), Buffer.from(value))).toBe(true);
  });

  it('fails for another secret, another value, or bytes moved between key and value', () => {
    const signature = parseTelemetrySignature(signTelemetryRecord(credential, key, value))!;
    expect(verifyTelemetryMac(signature, 'T'.repeat(43), key, value)).toBe(false);
    expect(verifyTelemetryMac(signature, credential.secret, key, '{"event_id":"e-2"}')).toBe(false);
    expect(verifyTelemetryMac(signature, credential.secret, 'acme:credi', `t${value}`)).toBe(false);
    expect(verifyTelemetryMac(signature, credential.secret, null, `${key}${value}`)).toBe(false);
  });

  it('parses only well-formed headers', () => {
    const mac = 'a'.repeat(64);
    expect(parseTelemetrySignature(`k=gw-0123abcd,v1=${mac}`)?.keyId).toBe('gw-0123abcd');
    for (const bad of [undefined, null, '', `v1=${mac}`, `k=x,v1=${mac.slice(1)}`, `k=x,v1=${mac.toUpperCase()}`, `k=x,v2=${mac}`, `k=a b,v1=${mac}`, ` k=x,v1=${mac}`]) {
      expect(parseTelemetrySignature(bad)).toBeUndefined();
    }
  });

  it('splits an ingest key into its id and secret, and refuses anything else', () => {
    expect(parseIngestKey(`kanshi_ingest_0123456789ab_${'x'.repeat(43)}`)).toEqual({ keyId: '0123456789ab', secret: 'x'.repeat(43) });
    for (const bad of ['', `kanshi_0123456789ab_${'x'.repeat(43)}`, `kanshi_ingest_0123456789AB_${'x'.repeat(43)}`, `kanshi_ingest_0123456789ab_${'x'.repeat(42)}`]) {
      expect(parseIngestKey(bad)).toBeUndefined();
    }
  });
});
