import type { ValidationIssue } from '@kanshi/contracts';
import { parseRetryAfter } from './backoff';
import { errorMessage, RetryableTransportError, TerminalTransportError } from './errors';
import type { EventOutcome, OutgoingEvent, TelemetryTransport } from './transport';

export interface GatewayTransportOptions {
  /** The ingest gateway: its base URL (`http://127.0.0.1:3001`) or the full `…/v1/telemetry` URL. */
  readonly url: string;
  /** An API key of the tenant with role `producer` (or `admin`), sent as `Authorization: Bearer`. */
  readonly apiKey: string;
  /** Time limit of one request, answer included (default 30 s); a timeout is retried. */
  readonly requestTimeoutMs?: number;
  /** The fetch to use (default: Node's global `fetch`). */
  readonly fetch?: typeof fetch;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** `…/v1/telemetry` under the given base, unless the URL already names it. */
export function telemetryEndpoint(url: string): URL {
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`gateway URL must be http(s): ${url}`);
  if (/\/v1\/telemetry\/?$/.test(base.pathname)) return base;
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return new URL('v1/telemetry', base);
}

interface GatewayResult {
  readonly index?: unknown;
  readonly status?: unknown;
  readonly errors?: unknown;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const REJECTED_WITHOUT_DETAIL: readonly ValidationIssue[] = [{ pointer: '', rule: 'rejected', message: 'the gateway rejected the event' }];

/** One outcome per event from the gateway's `results`; events it did not mention get `fallback`. */
function outcomesOf(body: Record<string, unknown> | undefined, count: number, fallback: EventOutcome): EventOutcome[] {
  const outcomes: EventOutcome[] = Array.from({ length: count }, () => fallback);
  const results = body?.['results'];
  if (!Array.isArray(results)) return outcomes;
  for (const result of results as GatewayResult[]) {
    const index = result?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) continue;
    if (result.status === 'accepted') outcomes[index] = { status: 'accepted' };
    else if (result.status === 'rejected') {
      const errors = Array.isArray(result.errors) ? (result.errors as ValidationIssue[]) : REJECTED_WITHOUT_DETAIL;
      outcomes[index] = { status: 'rejected', errors };
    }
  }
  return outcomes;
}

/** The problem+json `detail` (or `title`), for error messages. */
function problemText(body: Record<string, unknown> | undefined, text: string): string {
  const detail = body?.['detail'] ?? body?.['title'];
  if (typeof detail === 'string') return detail;
  return text.slice(0, 200).trim();
}

/**
 * Sends batches as `POST /v1/telemetry` `{"events": [...]}` to the ingest gateway. Per-event
 * rejections (in a `202`, or a `400` where every event was refused) are outcomes, not errors;
 * 408, 429, 5xx (`503` when Kafka is down) and network errors are retryable, with the gateway's
 * `Retry-After`; any other answer fails the batch for good (`413` asks the client to split it).
 */
export class GatewayTransport implements TelemetryTransport {
  readonly description: string;
  private readonly endpoint: URL;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    private readonly options: GatewayTransportOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!options.apiKey) throw new TypeError('an API key is required for the gateway transport');
    this.endpoint = telemetryEndpoint(options.url);
    this.description = `gateway ${this.endpoint.origin}`;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async send(batch: readonly OutgoingEvent[]): Promise<readonly EventOutcome[]> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, application/problem+json',
          authorization: `Bearer ${this.options.apiKey}`,
        },
        body: `{"events":[${batch.map((e) => e.value).join(',')}]}`,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // fetch says only "fetch failed"; the cause says what failed (ECONNREFUSED, a timeout …).
      const cause = (error as { cause?: unknown } | null)?.cause;
      const reason = cause === undefined ? errorMessage(error) : `${errorMessage(error)}: ${errorMessage(cause)}`;
      throw new RetryableTransportError(`${this.description}: ${reason}`, undefined, { cause: error });
    }
    const body = parseJson(text);
    const { status } = response;
    if (status >= 200 && status < 300) return outcomesOf(body, batch.length, { status: 'accepted' });
    if (status === 400 && Array.isArray(body?.['results'])) {
      return outcomesOf(body, batch.length, { status: 'rejected', errors: REJECTED_WITHOUT_DETAIL });
    }
    const message = `${this.description} answered ${status}: ${problemText(body, text)}`;
    if (status === 408 || status === 429 || status >= 500) {
      throw new RetryableTransportError(message, parseRetryAfter(response.headers.get('retry-after'), this.now()));
    }
    throw new TerminalTransportError(message, status, { batchTooLarge: status === 413 && batch.length > 1 });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
