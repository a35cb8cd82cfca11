/** What stands for the masked part of a URL. */
export const MASKED = '…';

/**
 * A URL as it may be shown: its scheme, host and port, with anything after them (user
 * information, path, query, fragment: where webhook URLs carry their tokens) replaced by `…`.
 * A URL with nothing after its host is shown as given; text that is not a URL shows as
 * `(redacted)`, since it cannot be told apart from a secret.
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(redacted)';
  }
  if (!parsed.host) return '(redacted)';
  const bare = !parsed.username && !parsed.password && (parsed.pathname === '/' || parsed.pathname === '') && !parsed.search && !parsed.hash;
  return bare ? url : `${parsed.protocol}//${parsed.host}/${MASKED}`;
}
