import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a webhook's signature. Receivers look for it: never rename. */
export const SIGNATURE_HEADER = 'X-Kanshi-Signature';

/** The header that carries the signing time (unix seconds), the same `t` as in the signature. */
export const TIMESTAMP_HEADER = 'X-Kanshi-Timestamp';

function hmacHex(secret: string, timestampSeconds: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
}

/**
 * The value of the signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The time is signed with the body so a captured request cannot be replayed later.
 */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

export interface VerifyOptions {
  /** How far the signing time may be from now, either way. */
  readonly toleranceSeconds?: number;
  readonly now?: Date;
}

/**
 * Whether `header` signs `body` with `secret` at a time within the tolerance. Receivers should
 * pass the raw body as received: re-serialised JSON does not verify. Several `v1` entries are
 * accepted (one per key while a key is being rotated).
 */
export function verifySignature(secret: string, header: string, body: string | Uint8Array, options: VerifyOptions = {}): boolean {
  const { toleranceSeconds = 300, now = new Date() } = options;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  // Check every entry, so the time taken does not tell which one matched.
  let valid = false;
  for (const signature of signatures) {
    if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) valid = true;
  }
  return valid;
}
