import { parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, telemetryKey } from '@kanshi/contracts';
import { authenticateRecord, StaticIngestKeyring } from '@kanshi/policy-core';
import { TelemetryMix } from './telemetry-mix';

/** What signing and checking telemetry signatures costs per record, on one core. */
export interface SignatureCost {
  readonly records: number;
  /** Producer side: HMAC-SHA256 over key and value, and the header text. */
  readonly signNs: number;
  /** Engine side: parse the header, find the key, recompute and compare the MAC. */
  readonly verifyNs: number;
  readonly meanValueBytes: number;
}

/**
 * Signs and checks the records of the benchmark's telemetry mix (its four tenants, each with an
 * ingest key) for about `seconds` each, after a warm-up, and reports nanoseconds per record.
 */
export function measureSignatures(seconds: number): SignatureCost {
  const mix = new TelemetryMix();
  const keys = new Map(mix.tenants.map((tenant, i) => [tenant, parseIngestKey(`kanshi_ingest_${(i + 1).toString(16).padStart(12, '0')}_${String.fromCharCode(97 + i).repeat(43)}`)!]));
  const keyring = new StaticIngestKeyring([...keys].map(([tenantId, credential]) => ({ ...credential, tenantId })));
  const records = mix.next(4000).map((event) => {
    const key = Buffer.from(telemetryKey(event.tenant_id, event.model_id));
    const value = Buffer.from(JSON.stringify(event));
    return { key, value, tenant: event.tenant_id, credential: keys.get(event.tenant_id)! };
  });
  const signed = records.map((r) => ({ key: r.key, value: r.value, tenant: r.tenant, headers: { [SIGNATURE_HEADER]: Buffer.from(signTelemetryRecord(r.credential, r.key, r.value)) } }));

  const time = (pass: () => void): number => {
    pass(); // warm-up
    let n = 0;
    const started = process.hrtime.bigint();
    const budget = BigInt(Math.round(seconds * 1e9));
    while (process.hrtime.bigint() - started < budget) {
      pass();
      n += records.length;
    }
    return Number(process.hrtime.bigint() - started) / n;
  };
  let sink = 0;
  const signNs = time(() => {
    for (const r of records) sink += signTelemetryRecord(r.credential, r.key, r.value).length;
  });
  const verifyNs = time(() => {
    for (const r of signed) {
      const result = authenticateRecord(r, r.tenant, keyring);
      if (!result.ok) throw new Error(`a signed record did not verify: ${result.error}`);
      sink += 1;
    }
  });
  if (sink === 0) throw new Error('nothing measured');
  return { records: records.length, signNs, verifyNs, meanValueBytes: records.reduce((s, r) => s + r.value.length, 0) / records.length };
}
