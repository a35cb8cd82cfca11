import { Redis } from 'ioredis';
import { OutageLog, type OutageLogger } from '@kanshi/runtime';

/**
 * An ioredis connection for BullMQ. Workers block on Redis, so commands must never time out
 * (`maxRetriesPerRequest: null`); queue producers fail fast instead, so a Redis outage stops
 * the engine's commit rather than hanging it.
 */
export function createRedisConnection(url: string, role: 'worker' | 'producer', name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

/** Anything that reports its Redis errors as `error` events: a BullMQ queue or worker. */
export interface RedisErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Sends the errors of the BullMQ queues or workers on `connection` to the log through an
 * {@link OutageLog}: the first at once, then a line every 30 s, and one when the connection is
 * ready again. Without a listener BullMQ prints every one of them raw to stderr, each reconnect
 * attempt of an outage.
 */
export function logRedisOutages(connection: Redis, sources: readonly RedisErrorSource[], logger: OutageLogger, what: string): OutageLog {
  const outage = new OutageLog(logger, what);
  for (const source of sources) source.on('error', (error) => outage.failed(error));
  connection.on('ready', () => outage.succeeded());
  return outage;
}

/** BullMQ loses jobs when Redis evicts keys; this names the fix when the policy is wrong. */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const policy = reply[1];
  if (policy !== 'noeviction') {
    throw new Error(
      `Redis maxmemory-policy is "${policy ?? 'unknown'}"; BullMQ needs "noeviction". ` +
        'Run `redis-cli CONFIG SET maxmemory-policy noeviction` (and set it in redis.conf).',
    );
  }
}

/** Health check: Redis answers PING (one connection, kept open, failing fast). */
export function redisHealthCheck(url: string) {
  const redis = new Redis(url, { connectionName: 'kanshi-health', maxRetriesPerRequest: 1, lazyConnect: true });
  return {
    name: 'redis',
    check: async (): Promise<void> => void (await redis.ping()),
    close: (): Promise<void> => {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
