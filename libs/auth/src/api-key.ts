import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Roles a key can carry. Persisted on keys: never rename. */
export const ROLES = ['admin', 'risk_officer', 'producer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** `kanshi_<key id: 12 hex>_<secret: url-safe base64>`; the key id finds the row, the secret proves it. */
const KEY_PATTERN = /^kanshi_([a-f0-9]{12})_([A-Za-z0-9_-]{32,128})$/;

export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: string;
}

export interface GeneratedApiKey extends ParsedApiKey {
  /** The whole key, shown once to its owner and never stored. */
  readonly token: string;
}

export function parseApiKey(token: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(token);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
}

export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, token: `kanshi_${keyId}_${secret}` };
}

export function newSalt(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Salted SHA-256. The secret is 256 random bits, so a slow password hash would add nothing but
 * latency on every request; the salt keeps equal secrets from having equal hashes.
 */
export function hashSecret(secret: string, salt: string): string {
  return createHash('sha256').update(salt).update('\u0000').update(secret).digest('hex');
}

export function secretMatches(secret: string, salt: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret, salt), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
