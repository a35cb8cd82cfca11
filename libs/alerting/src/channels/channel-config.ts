import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The kinds of notification channel. Persisted with every channel: never rename. */
export const CHANNEL_KINDS = ['webhook', 'email', 'slack'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * Retry and timeout settings every channel has. The floors (1 s) keep a channel from
 * hammering a receiver: 20 attempts at least 1 s, 2 s, 4 s … apart.
 */
const DELIVERY = {
  timeout_ms: Type.Integer({ minimum: 1000, maximum: 60_000, default: 10_000, description: 'How long one attempt may take.' }),
  max_attempts: Type.Integer({ minimum: 1, maximum: 20, default: 8, description: 'Attempts before the notification fails for good.' }),
  backoff_ms: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 10_000,
    description: 'Delay before the second attempt; each later one doubles it, with up to 30% jitter.',
  }),
};

const HTTP_URL = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 });

/** What each kind of channel is configured with (readable through the API). */
export const CHANNEL_CONFIG_SCHEMAS = {
  webhook: Type.Object({ url: HTTP_URL, ...DELIVERY }, { additionalProperties: false }),
  email: Type.Object(
    {
      to: Type.Array(Type.String({ format: 'email', maxLength: 320 }), {
        minItems: 1,
        maxItems: 1000,
        description: 'Recipients; at most KANSHI_QUOTA_CHANNEL_RECIPIENTS (50 unless the operator sets it).',
      }),
      from: Type.String({ format: 'email', maxLength: 320 }),
      host: Type.String({ minLength: 1, maxLength: 255, description: 'SMTP server.' }),
      port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
      secure: Type.Boolean({ default: false, description: 'TLS from the start (port 465); otherwise STARTTLS when the server offers it.' }),
      username: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
      ...DELIVERY,
    },
    { additionalProperties: false },
  ),
  slack: Type.Object({ ...DELIVERY }, { additionalProperties: false }),
} as const satisfies Record<ChannelKind, TSchema>;

/**
 * What the secret of each kind is. Secrets are write-only: the API stores them and never
 * returns or logs them.
 */
export const CHANNEL_SECRET_DESCRIPTIONS: Readonly<Record<ChannelKind, string>> = {
  webhook: 'The key of the X-Kanshi-Signature HMAC (at least 16 characters). Required.',
  email: 'The SMTP password of `username`. Optional.',
  slack: 'The Slack incoming-webhook URL (Slack treats it as a secret). Required.',
};

export type WebhookConfig = Static<(typeof CHANNEL_CONFIG_SCHEMAS)['webhook']>;
export type EmailConfig = Static<(typeof CHANNEL_CONFIG_SCHEMAS)['email']>;
export type SlackConfig = Static<(typeof CHANNEL_CONFIG_SCHEMAS)['slack']>;

/** A channel as a sender needs it: its kind, configuration and secret. */
export type ChannelTarget =
  | { readonly kind: 'webhook'; readonly config: WebhookConfig; readonly secret: string }
  | { readonly kind: 'email'; readonly config: EmailConfig; readonly secret: string | null }
  | { readonly kind: 'slack'; readonly config: SlackConfig; readonly secret: string };

/** Delivery settings of any channel. */
export interface DeliverySettings {
  readonly timeout_ms: number;
  readonly max_attempts: number;
  readonly backoff_ms: number;
}
