import { maskUrl, SecretOpenError, type SecretBox } from '@kanshi/secrets';

/**
 * The sealed fields of a notification channel: its secret (HMAC key, SMTP password, Slack
 * webhook URL) and the URL of its configuration, which may carry a token in its path, query or
 * user information. Each is sealed for its row and field, so a value copied elsewhere does not open.
 */
export type SealedChannelField = 'secret' | 'config.url';

export function channelSecretContext(channelId: string, field: SealedChannelField): string {
  return `notification_channels/${channelId}/${field}`;
}

/**
 * A stored value in plaintext. Values stored before sealing existed are plaintext and used as
 * they are (`npm run secrets -- reseal` seals them). Throws `SecretOpenError` when a sealed
 * value does not open.
 */
export function revealChannelValue(box: SecretBox, channelId: string, field: SealedChannelField, stored: string): string {
  return box.isSealed(stored) ? box.open(stored, channelSecretContext(channelId, field)) : stored;
}

/** `config` with its URL, if it has one, sealed for the channel. */
export function sealChannelConfig(box: SecretBox, channelId: string, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const url = config['url'];
  if (typeof url !== 'string' || box.isSealed(url)) return { ...config };
  return { ...config, url: box.seal(url, channelSecretContext(channelId, 'config.url')) };
}

/** `config` with its URL opened, for a sender. Throws `SecretOpenError`. */
export function openChannelConfig(box: SecretBox, channelId: string, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const url = config['url'];
  if (typeof url !== 'string') return { ...config };
  return { ...config, url: revealChannelValue(box, channelId, 'config.url', url) };
}

/**
 * `config` as anyone may read it: the URL shows only its scheme, host and port (see
 * `maskUrl`). A URL that does not open shows why instead.
 */
export function maskChannelConfig(box: SecretBox, channelId: string, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const url = config['url'];
  if (typeof url !== 'string') return { ...config };
  try {
    return { ...config, url: maskUrl(revealChannelValue(box, channelId, 'config.url', url)) };
  } catch (error) {
    if (!(error instanceof SecretOpenError)) throw error;
    return { ...config, url: `(sealed with key ${error.keyId ?? 'unknown'}, which does not open here: set it again)` };
  }
}
