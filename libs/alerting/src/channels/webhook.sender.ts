import type { ChannelTarget } from './channel-config';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { webhookBody } from './render';
import { signPayload, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature';

/** The `fetch` a sender uses; tests and callers may pass their own. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type WebhookTarget = Extract<ChannelTarget, { kind: 'webhook' }>;

export const USER_AGENT = 'kanshi-notifier/1';

/** How much of a receiver's answer an outcome quotes: enough to diagnose, not to store a page. */
const BODY_SNIPPET_LENGTH = 200;

export interface PostOptions {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** How errors name the receiver: the URL itself, unless the URL is a secret. */
  readonly receiver: string;
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
 * The fields of an error the senders read. Duck-typed: errors from Node's own fetch may come
 * from another realm (as under Jest), where `instanceof Error` is false.
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
 * Why a request failed without an answer. Built from error names and codes rather than
 * messages, since a message may quote the URL (for Slack, the secret).
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  const fields = errorFields(error);
  if (fields.name === 'TimeoutError' || fields.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = errorFields(fields.cause).code ?? fields.code;
  if (code) return `network error (${code})`;
  return `request failed (${fields.name ?? 'unknown error'})`;
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** The first characters of an answer's body, reading no more of it than that. */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  // Node's typings leave the chunk type open; fetch bodies are bytes.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < BODY_SNIPPET_LENGTH) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut off half-way still leaves the status to report.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, BODY_SNIPPET_LENGTH);
}

/**
 * Runs a renderer; a message it cannot render (say, a value JSON cannot hold) is a permanent
 * failure, since a retry renders the same message again.
 */
export function renderOrOutcome(render: () => string): string | DeliveryOutcome {
  try {
    return render();
  } catch (error) {
    const reason = (errorFields(error).message ?? 'unknown error').slice(0, BODY_SNIPPET_LENGTH);
    return { ok: false, permanent: true, httpStatus: null, error: `the notification could not be rendered: ${reason}`, durationMs: 0 };
  }
}

/**
 * POSTs a JSON body and turns the answer into an outcome. Never throws: every failure becomes
 * an outcome whose `permanent` says whether a retry can help.
 */
export async function postJson(options: PostOptions, fetchImpl: FetchLike = fetch): Promise<DeliveryOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  // No retry mends a bad URL; and fetch would also "deliver" to data: and blob: URLs.
  if (!isHttpUrl(options.url)) {
    return { ok: false, permanent: true, httpStatus: null, error: `${options.receiver}: the URL is not a valid http(s) URL`, durationMs: elapsed() };
  }
  try {
    const response = await fetchImpl(options.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, ...options.headers },
      body: options.body,
      // A redirect would turn the POST into a GET or send it elsewhere: report it instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const status = response.status;
    if (status >= 200 && status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, permanent: false, httpStatus: status, error: null, durationMs: elapsed() };
    }
    const snippet = await readSnippet(response);
    const error = `${options.receiver} answered HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
    return { ok: false, permanent: !isRetryableStatus(status), httpStatus: status, error: redact(error, options.secrets), durationMs: elapsed() };
  } catch (error) {
    const text = `${options.receiver}: ${describeFailure(error, options.timeoutMs)}`;
    return { ok: false, permanent: false, httpStatus: null, error: redact(text, options.secrets), durationMs: elapsed() };
  }
}

/**
 * Delivers a notification to a webhook, signed with the channel's secret. Receivers
 * deduplicate on `Idempotency-Key`, since a retry sends the same notification again.
 */
export async function sendWebhook(message: NotificationMessage, target: WebhookTarget, fetchImpl: FetchLike = fetch): Promise<DeliveryOutcome> {
  const rendered = renderOrOutcome(() => webhookBody(message));
  if (typeof rendered !== 'string') return rendered;
  const body = rendered;
  const timestamp = Math.floor(Date.now() / 1000);
  let receiver: string;
  try {
    receiver = `the webhook ${new URL(target.config.url).origin}`;
  } catch {
    receiver = 'the webhook';
  }
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
      receiver,
      secrets: [target.secret],
    },
    fetchImpl,
  );
}
