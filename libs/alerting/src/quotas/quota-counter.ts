import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '@kanshi/config';
import { createRedisConnection } from '@kanshi/queue';
import { minuteOf, type TenantQuotaName } from '@kanshi/contracts';

/**
 * Per-tenant quotas that every alert worker shares: a count per tenant and minute in Redis.
 * A worker takes one unit before it creates an alert or sends a notification; when the count
 * is past the quota, the work waits for the next minute. If Redis cannot answer, the work goes
 * on (the quota protects the database and the receivers; it never stops the alert path).
 */
@Injectable()
export class QuotaCounter implements OnApplicationShutdown {
  private readonly logger = new Logger(QuotaCounter.name);
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(config: AppConfig) {
    this.redis = createRedisConnection(config.values.redisUrl, 'producer', 'kanshi-quotas');
    this.prefix = config.values.queuePrefix;
  }

  /** Takes one unit of the tenant's quota for the minute of `now`; false when the quota is spent. */
  async take(tenantId: string, quota: TenantQuotaName, limit: number, now = Date.now()): Promise<boolean> {
    return (await this.takeUpTo(tenantId, quota, limit, 1, now)) === 1;
  }

  /**
   * Takes up to `wanted` units of the tenant's quota for the minute of `now` at once, and answers
   * how many fit (all of them when Redis cannot answer). The units that did not fit are counted
   * too, as a refused `take` is.
   */
  async takeUpTo(tenantId: string, quota: TenantQuotaName, limit: number, wanted: number, now = Date.now()): Promise<number> {
    if (wanted <= 0) return 0;
    const key = `${this.prefix}:quota:${quota}:${tenantId}:${minuteOf(now)}`;
    try {
      const replies = await this.redis.multi().incrby(key, wanted).pexpire(key, 120_000).exec();
      const count = Number(replies?.[0]?.[1] ?? 0);
      return Math.max(0, Math.min(wanted, limit - (count - wanted)));
    } catch (error) {
      this.logger.warn(`quota ${quota} of tenant ${tenantId} not counted (Redis: ${error instanceof Error ? error.message : String(error)}); letting the work through`);
      return wanted;
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
