/** How a failed batch is retried. Every bound is finite: a batch is retried at most `maxAttempts - 1` times. */
export interface RetryOptions {
  /** Attempts per batch, the first included (default 8). `1` never retries. */
  readonly maxAttempts: number;
  /** Delay before the first retry, before jitter (default 200 ms). */
  readonly initialDelayMs: number;
  /** Longest delay between attempts, before jitter (default 30 s). */
  readonly maxDelayMs: number;
  /** Growth of the delay per attempt (default 2). */
  readonly multiplier: number;
  /** Longest wait a server's `Retry-After` may impose (default 60 s); a larger hint is capped. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 8,
  initialDelayMs: 200,
  maxDelayMs: 30_000,
  multiplier: 2,
  maxRetryAfterMs: 60_000,
};

/** Time, injectable so batching, backoff and rate limits are tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Delay before retry number `retry` (1 for the first): exponential growth capped at
 * `maxDelayMs`, with "equal jitter" (half fixed, half random) so producers that failed together
 * do not retry together, while the delay still grows. A `Retry-After` hint from the server is
 * honoured as a lower bound, capped at `maxRetryAfterMs`.
 */
export function backoffDelay(retry: number, options: RetryOptions, random: () => number = Math.random, retryAfterMs?: number): number {
  const exponential = options.initialDelayMs * options.multiplier ** Math.max(0, retry - 1);
  const ceiling = Math.min(options.maxDelayMs, exponential);
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const hint = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), options.maxRetryAfterMs);
  return Math.round(Math.max(jittered, hint));
}

/**
 * A `Retry-After` header (RFC 9110: delay in seconds, or an HTTP date) in milliseconds from
 * `now`; `undefined` when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Fills the options a caller left out and refuses values that would retry forever or never wait. */
export function retryOptions(partial: Partial<RetryOptions> = {}): RetryOptions {
  const options = { ...DEFAULT_RETRY, ...partial };
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be a whole number ≥ 1');
  for (const key of ['initialDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!Number.isFinite(options[key]) || options[key] < 0) throw new RangeError(`retry.${key} must be a finite number ≥ 0`);
  }
  if (!Number.isFinite(options.multiplier) || options.multiplier < 1) throw new RangeError('retry.multiplier must be ≥ 1');
  return options;
}
