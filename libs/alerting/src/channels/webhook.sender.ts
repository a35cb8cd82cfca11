import { STATUS_CODES } from 'node:http';
import { guardedPost } from '../outbound/guarded-http';
import { OUTBOUND_REFUSED, type OutboundGuard } from '../outbound/outbound-guard';
import type { ChannelTarget } from './channel-config';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { webhookBody } from './render';
import { signPayload, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature';

export type WebhookTarget = Extract<ChannelTarget, { kind: 'webhook' }>;

export const USER_AGENT = 'kanshi-notifier/1';

/** Longest reason an outcome quotes from a renderer's error. */
const REASON_LENGTH = 200;

export interface PostOptions {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Strings that must never appear in an outcome's error. */
  readonly secrets: readonly string[];
}

/** Replaces every secret in `text`; longest first, so a secret inside another goes too. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join('[redacted]');
  }
  return result;
}

/** 408 and 429 ask to come back later and 5xx may mend; any other 4xx (or a redirect) will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export interface ErrorFields {
  readonly name: string | null;
  readonly message: string | null;
  readonly code: string | null;
  readonly cause: unknown;
}

/**
 * The fields of an error the senders read. Duck-typed: errors made inside Node (sockets, DNS)
 * may come from another realm (as under Jest), where `instanceof Error` is false.
 */
export function errorFields(error: unknown): ErrorFields {
  if (typeof error !== 'object' || error === null) return { name: null, message: null, code: null, cause: undefined };
  const { name, message, code, cause } = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  return {
    name: typeof name === 'string' ? name : null,
    message: typeof message === 'string' ? message : null,
    code: typeof code === 'string' ? code : null,
    cause,
  };
}

/**
 * The status line an outcome reports for an answer: `HTTP 502 Bad Gateway`. The reason phrase
 * is the standard one, not the receiver's, so nothing the receiver sent is stored or shown.
 */
export function httpStatusLine(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? `HTTP ${status} ${phrase}` : `HTTP ${status}`;
}

/**
 * Why a request failed without an answer. Built from error names and codes rather than
 * messages, since a message may quote the URL (for Slack, the secret); a refusal's message is
 * the guard's own.
 */
function describeFailure(error: unknown, timeoutMs: number): { readonly text: string; readonly permanent: boolean } {
  const fields = errorFields(error);
  if (fields.code === OUTBOUND_REFUSED && fields.message) return { text: fields.message, permanent: true };
  if (fields.name === 'TimeoutError' || fields.name === 'AbortError') return { text: `no answer within ${timeoutMs} ms`, permanent: false };
  const code = errorFields(fields.cause).code ?? fields.code;
  if (code) return { text: `network error (${code})`, permanent: false };
  return { text: `request failed (${fields.name ?? 'unknown error'})`, permanent: false };
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Runs a renderer; a message it cannot render (say, a value JSON cannot hold) is a permanent
 * failure, since a retry renders the same message again.
 */
export function renderOrOutcome(render: () => string): string | DeliveryOutcome {
  try {
    return render();
  } catch (error) {
    const reason = (errorFields(error).message ?? 'unknown error').slice(0, REASON_LENGTH);
    return { ok: false, permanent: true, httpStatus: null, error: `the notification could not be rendered: ${reason}`, durationMs: 0 };
  }
}

/**
 * POSTs a JSON body and turns the answer into an outcome: its status line only, never a byte
 * of its body. Never throws: every failure becomes an outcome whose `permanent` says whether a
 * retry can help. A destination the guard refuses is permanent.
 */
export async function postJson(options: PostOptions, guard: OutboundGuard): Promise<DeliveryOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  // No retry mends a bad URL.
  if (!isHttpUrl(options.url)) {
    return { ok: false, permanent: true, httpStatus: null, error: 'the URL is not a valid http(s) URL', durationMs: elapsed() };
  }
  try {
    const status = await guardedPost(
      {
        url: new URL(options.url),
        body: options.body,
        headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, ...options.headers },
        timeoutMs: options.timeoutMs,
      },
      guard,
    );
    if (status >= 200 && status < 300) return { ok: true, permanent: false, httpStatus: status, error: null, durationMs: elapsed() };
    // A redirect is not followed (it would turn the POST into a GET or send it elsewhere): it fails like a 4xx.
    return { ok: false, permanent: !isRetryableStatus(status), httpStatus: status, error: httpStatusLine(status), durationMs: elapsed() };
  } catch (error) {
    const { text, permanent } = describeFailure(error, options.timeoutMs);
    return { ok: false, permanent, httpStatus: null, error: redact(text, options.secrets), durationMs: elapsed() };
  }
}

/**
 * Delivers a notification to a webhook, signed with the channel's secret. Receivers
 * deduplicate on `Idempotency-Key`, since a retry sends the same notification again.
 */
export async function sendWebhook(message: NotificationMessage, target: WebhookTarget, guard: OutboundGuard): Promise<DeliveryOutcome> {
  const rendered = renderOrOutcome(() => webhookBody(message));
  if (typeof rendered !== 'string') return rendered;
  const body = rendered;
  const timestamp = Math.floor(Date.now() / 1000);
  return postJson(
    {
      url: target.config.url,
      body,
      headers: {
        [SIGNATURE_HEADER]: signPayload(target.secret, timestamp, body),
        [TIMESTAMP_HEADER]: String(timestamp),
        'Idempotency-Key': message.id,
      },
      timeoutMs: target.config.timeout_ms,
      secrets: [target.secret],
    },
    guard,
  );
}

/**
 * The parts of a URL that is a credential (a Slack webhook's) that must never show in an
 * error: the whole URL and its path. Short paths are left out: replacing them would garble
 * the error's own words.
 */
export function urlSecrets(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    if (parsed.pathname.length > 8) secrets.push(parsed.pathname.slice(1), `${parsed.pathname}${parsed.search}`);
    secrets.push(parsed.href);
  } catch {
    // Not a URL: the whole string is already listed.
  }
  return secrets;
}
