import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * GCRA (the generic cell rate algorithm), one Redis key per API key holding the "theoretical
 * arrival time" in milliseconds. A key may send `limit` requests at once, then one every
 * `interval`; it has no window edge where twice the limit gets through. Atomic because Redis
 * runs a script alone; the clock is Redis's (`TIME`), so instances with skewed clocks agree.
 *
 * KEYS[1] the bucket; ARGV[1] interval (ms per request); ARGV[2] limit (burst).
 * Returns {allowed 0|1, remaining, retry after ms, ms until the bucket is full again}.
 */
const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local next_tat = tat + interval
local allow_at = next_tat - interval * limit
if allow_at > now then
  return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now) + 1000)
return {1, math.floor((now - allow_at) / interval), 0, math.ceil(next_tat - now)}
`;

/** The outcome of one request against its key's budget. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Requests allowed per minute (and at once). */
  readonly limit: number;
  /** Requests that would still be allowed right now. */
  readonly remaining: number;
  /** Whole seconds to wait before the next request can pass; 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** Whole seconds until the full budget is back. */
  readonly resetSeconds: number;
}

/** Counts requests per API key; `undefined` means "no decision" (the store is down): let it through. */
export interface RateLimiter {
  consume(keyId: string): Promise<RateLimitDecision | undefined>;
}

export interface RedisRateLimiterOptions {
  readonly redisUrl: string;
  /** Bucket keys are `<prefix>:rate:<scope>:<key id>`: each app (api, gateway) has its own budget. */
  readonly prefix: string;
  readonly scope: string;
  readonly perMinute: number;
  /** A command slower than this counts as Redis being down (fail open). */
  readonly timeoutMs?: number;
}

interface GcraCommand {
  kanshiRateLimit(key: string, intervalMs: string, limit: string): Promise<[number, number, number, number]>;
}

/** Resolves when `promise` does or after `ms`, whichever comes first. */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How often "Redis is down" is logged while it stays down. */
const WARN_EVERY_MS = 60_000;

/** Turns the script's reply into a decision. */
export function toDecision(reply: readonly [number, number, number, number], limit: number): RateLimitDecision {
  const [allowed, remaining, retryAfterMs, resetMs] = reply;
  return {
    allowed: allowed === 1,
    limit,
    remaining: Math.max(0, Math.min(limit, remaining)),
    retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryAfterMs / 1000)),
    resetSeconds: Math.max(0, Math.ceil(resetMs / 1000)),
  };
}

/**
 * The Redis-backed limiter, shared by every instance of an app. It fails open: when Redis is
 * unreachable or slow, requests pass and a warning is logged (at most once a minute), because
 * the limiter protects the API and must never be the thing that takes it down.
 */
export class RedisRateLimiter implements RateLimiter, OnApplicationShutdown {
  private readonly logger = new Logger('rate-limit');
  private readonly redis: Redis;
  private readonly intervalMs: string;
  private lastWarning = 0;
  /** Until the first connection succeeds or fails: commands wait for it rather than fail at start-up. */
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.intervalMs = (60_000 / options.perMinute).toFixed(3);
    this.redis = new Redis(options.redisUrl, {
      connectionName: `kanshi-rate-limit-${options.scope}`,
      // Fail fast rather than queue: a request must not wait for Redis to come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs ?? 500,
    });
    this.redis.defineCommand('kanshiRateLimit', { numberOfKeys: 1, lua: GCRA_LUA });
    // ioredis reconnects by itself; without a listener it would print every failed attempt.
    this.redis.on('error', (error: Error) => this.warn(error));
    this.connecting = new Promise<void>((resolve) => {
      const settled = (): void => {
        this.connecting = undefined;
        resolve();
      };
      for (const event of ['ready', 'error', 'end']) this.redis.once(event, settled);
    });
  }

  async consume(keyId: string): Promise<RateLimitDecision | undefined> {
    try {
      if (this.connecting) await within(this.connecting, this.options.timeoutMs ?? 500);
      const key = `${this.options.prefix}:rate:${this.options.scope}:${keyId}`;
      const reply = await (this.redis as unknown as GcraCommand).kanshiRateLimit(key, this.intervalMs, String(this.options.perMinute));
      return toDecision(reply, this.options.perMinute);
    } catch (error) {
      this.warn(error);
      return undefined;
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Rate limiting is off: Redis did not answer (${reason}). Requests pass unlimited until it is back.`);
  }
}
