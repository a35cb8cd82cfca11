import { randomBytes } from 'node:crypto';
import { parseTelemetrySignature, SIGNATURE_HEADER } from '@kanshi/contracts';
import { authenticateRecord, StaticIngestKeyring } from '@kanshi/policy-core';
import { gatewaySigningRoots, SecretBox } from '@kanshi/secrets';
import { GatewaySigner } from './gateway-signer';

describe('GatewaySigner', () => {
  const current = randomBytes(32);
  const key = 'acme:credit';
  const value = '{"tenant_id":"acme"}';
  const record = (headers: Record<string, string>, k = key, v = value) => ({ key: Buffer.from(k), value: Buffer.from(v), headers });

  it('signs for the tenant in a way the engine checks from the same secrets key, and for that tenant only', () => {
    const signer = new GatewaySigner(new SecretBox(current));
    const engine = new StaticIngestKeyring([], gatewaySigningRoots(new SecretBox(current)), (t) => t === 'acme' || t === 'globex');
    const headers = signer.headers('acme', key, value);

    expect(authenticateRecord(record(headers), 'acme', engine)).toEqual({ ok: true, tenantId: 'acme' });
    // Moved to another tenant's key, the secret derived for that tenant does not match.
    expect(authenticateRecord(record(headers, 'globex:credit'), 'globex', engine)).toMatchObject({ ok: false });
    // An engine with another secrets key does not accept it.
    const stranger = new StaticIngestKeyring([], gatewaySigningRoots(new SecretBox(randomBytes(32))));
    expect(authenticateRecord(record(headers), 'acme', stranger)).toMatchObject({ ok: false, unknownKey: true });
  });

  it('keeps working across a rotation: the engine still accepts what the gateway signed under the previous key', () => {
    const next = randomBytes(32);
    const before = new GatewaySigner(new SecretBox(current)).headers('acme', key, value);
    const after = new GatewaySigner(new SecretBox(next, [current])).headers('acme', key, value);
    const engine = new StaticIngestKeyring([], gatewaySigningRoots(new SecretBox(next, [current])));

    expect(parseTelemetrySignature(before[SIGNATURE_HEADER])?.keyId).not.toBe(parseTelemetrySignature(after[SIGNATURE_HEADER])?.keyId);
    expect(authenticateRecord(record(before), 'acme', engine)).toEqual({ ok: true, tenantId: 'acme' });
    expect(authenticateRecord(record(after), 'acme', engine)).toEqual({ ok: true, tenantId: 'acme' });
  });
});
