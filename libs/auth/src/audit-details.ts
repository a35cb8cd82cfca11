import { maskUrl } from '@kanshi/secrets';

/** What replaces a secret in the audit trail. */
export const REDACTED = '(redacted)';

/** Largest `details` stored per entry; a larger body is kept as a truncated preview. */
export const MAX_DETAILS_BYTES = 4096;

/**
 * Field names whose values are secrets, compared without case, `_` or `-`: `secret`,
 * `client_secret`, `password`, `token`, `access_token`, `key`, `api_key`, `private_key`,
 * `authorization`, `credentials` …
 */
const SECRET_FIELD = /secret|passw|passphrase|token|apikey|privatekey|signingkey|authorization|credential|cookie|^key$/;

/**
 * Field names whose values are URLs, compared like {@link SECRET_FIELD}: `url`, `webhook_url`,
 * `endpoint`, `callback_uri` … A webhook URL may carry a token in its path or query, so only its
 * scheme, host and port are kept.
 */
const URL_FIELD = /ur[il]$|webhook|endpoint|href/;

/** A Kanshi API key anywhere in a string: its secret part is removed, its public id kept. */
const API_KEY_IN_TEXT = /\b(kanshi_[a-f0-9]{12})_[A-Za-z0-9_-]{32,128}/g;

/** User information (`user:password@`) of a URL anywhere in a string. */
const URL_CREDENTIALS_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

const MAX_DEPTH = 12;

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name.toLowerCase().replace(/[_-]/g, ''));
}

export function isUrlField(name: string): boolean {
  return URL_FIELD.test(name.toLowerCase().replace(/[_-]/g, ''));
}

function redactField(name: string, item: unknown, depth: number): unknown {
  if (item === null || item === undefined || item === '') return redact(item, depth + 1);
  if (isSecretField(name)) return REDACTED;
  if (isUrlField(name) && typeof item === 'string') return maskUrl(item);
  return redact(item, depth + 1);
}

/**
 * `value` with secret-like fields replaced by {@link REDACTED}, URL fields masked to their
 * scheme, host and port, and API keys and URL passwords cut from text.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    // PostgreSQL's jsonb refuses NUL characters; a stray one must not lose the entry.
    return value.replace(API_KEY_IN_TEXT, `$1_${REDACTED}`).replace(URL_CREDENTIALS_IN_TEXT, `$1${REDACTED}@`).replaceAll('\u0000', '');
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '(nested too deep)';
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, item]) => [redact(name, depth + 1) as string, redactField(name, item, depth)]),
  );
}

/**
 * The `details` of an audit entry: the request's body and query, redacted, and no larger than
 * {@link MAX_DETAILS_BYTES}; a larger one becomes `{truncated, bytes, preview}` where `preview`
 * is the start of the redacted JSON text.
 */
export function auditDetails(body: unknown, query: unknown): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  if (body !== undefined && !(typeof body === 'object' && body !== null && Object.keys(body).length === 0)) details['body'] = redact(body);
  if (typeof query === 'object' && query !== null && Object.keys(query).length > 0) details['query'] = redact(query);
  const json = JSON.stringify(details);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= MAX_DETAILS_BYTES) return details;
  return { truncated: true, bytes, preview: utf8Prefix(json, MAX_DETAILS_BYTES - 200) };
}

/** The longest prefix of `text` within `maxBytes` of UTF-8 that does not split a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}
