import { Redis } from 'ioredis';

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
