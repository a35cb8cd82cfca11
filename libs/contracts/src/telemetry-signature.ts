import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Telemetry records written straight to Kafka carry a signature that the policy engine checks
 * before it reads anything else: only a holder of a tenant's ingest key can speak for that
 * tenant, whatever the record's key and body say. Persisted on records and implemented by
 * producers outside this repository (see libs/contracts/README.md): never change the header
 * name or the v1 algorithm; add a v2.
 */
export const SIGNATURE_HEADER = 'kanshi-signature';

/** An ingest key as given to a producer: `kanshi_ingest_<12 hex key id>_<43 url-safe characters>`. */
export const INGEST_KEY_PATTERN = /^kanshi_ingest_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A producer's signing credential: the key id (in the header) and its secret (never sent). */
export interface IngestCredential {
  readonly keyId: string;
  readonly secret: string;
}

/**
 * Splits an ingest key into its id and secret, or `undefined` when it is not of the form
 * `kanshi_ingest_<12 hex>_<43 url-safe characters>`.
 */
export function parseIngestKey(key: string): IngestCredential | undefined {
  const match = INGEST_KEY_PATTERN.exec(key.trim());
  if (!match) return undefined;
  return { keyId: match[1] as string, secret: match[2] as string };
}

type Bytes = string | Buffer | Uint8Array;

function bytes(part: Bytes | null | undefined): Buffer {
  if (part === null || part === undefined) return Buffer.alloc(0);
  return typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
}

/**
 * The v1 MAC of a record: HMAC-SHA256 keyed with the secret's text, over
 * `"v1\n" + <byte length of the key, decimal> + "\n" + key + value`. The length prefix keeps
 * bytes from moving between key and value. A record without a key is signed with an empty one.
 */
export function telemetryMac(secret: string | KeyObject, key: Bytes | null | undefined, value: Bytes | null | undefined): Buffer {
  const keyBytes = bytes(key);
  return createHmac('sha256', secret).update(`v1\n${keyBytes.length}\n`).update(keyBytes).update(bytes(value)).digest();
}

/** The `kanshi-signature` header value for a record: `k=<key id>,v1=<hex MAC>`. */
export function signTelemetryRecord(credential: IngestCredential, key: Bytes | null | undefined, value: Bytes | null | undefined): string {
  return `k=${credential.keyId},v1=${telemetryMac(credential.secret, key, value).toString('hex')}`;
}

/** A parsed `kanshi-signature` header. */
export interface TelemetrySignature {
  readonly keyId: string;
  readonly mac: Buffer;
}

/** Parses a `kanshi-signature` header value, or `undefined` when it is not `k=<key id>,v1=<64 hex>`. */
export function parseTelemetrySignature(header: Bytes | null | undefined): TelemetrySignature | undefined {
  if (header === null || header === undefined) return undefined;
  const text = typeof header === 'string' ? header : bytes(header).toString('latin1');
  const match = /^k=([A-Za-z0-9._-]{1,64}),v1=([0-9a-f]{64})$/.exec(text);
  if (!match) return undefined;
  return { keyId: match[1] as string, mac: Buffer.from(match[2] as string, 'hex') };
}

/**
 * Whether `signature` is the v1 MAC of the record under `secret` (constant-time comparison). A
 * verifier that checks many records with one key passes it as a `KeyObject`
 * (`createSecretKey(Buffer.from(secret))`): the key is then set up once, not per record.
 */
export function verifyTelemetryMac(signature: TelemetrySignature, secret: string | KeyObject, key: Bytes | null | undefined, value: Bytes | null | undefined): boolean {
  return timingSafeEqual(signature.mac, telemetryMac(secret, key, value));
}
