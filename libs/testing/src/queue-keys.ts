import { Redis } from 'ioredis';

/** Removes every Redis key under `<prefix>:` (a scenario's BullMQ queues); returns how many. */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  try {
    await redis.connect();
    let removed = 0;
    let cursor = '0';
    // SCAN walks the keyspace once; the cap only guards against a cursor that never returns to 0.
    for (let round = 0; round < 1_000_000; round += 1) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
      if (cursor === '0') break;
    }
    return removed;
  } finally {
    redis.disconnect();
  }
}
