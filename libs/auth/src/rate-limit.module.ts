import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AppConfig } from '@kanshi/config';
import { MetricsModule } from '@kanshi/runtime';
import { RateLimitMetrics } from './rate-limit-metrics';
import { RedisRateLimiter } from './rate-limiter';

/** The HTTP apps that authenticate API keys; each has its own per-key budget. */
export type RateLimitedApp = 'api' | 'ingest-gateway';

/** The injection token of the {@link RateLimiter} that `ApiKeyGuard` applies after authentication. */
export const RATE_LIMITER = Symbol('kanshi:rate-limiter');

/**
 * Per-key rate limiting for one app, with the count of the requests it refuses. Global, because
 * `ApiKeyGuard` is instantiated in every module that has guarded controllers; each HTTP app's
 * root module imports it once.
 */
@Global()
@Module({})
export class RateLimitModule {
  static forApp(app: RateLimitedApp): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [MetricsModule],
      providers: [
        { provide: RateLimitMetrics, inject: [Registry], useFactory: (registry: Registry) => new RateLimitMetrics(registry, app) },
        {
          provide: RATE_LIMITER,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            new RedisRateLimiter({
              redisUrl: config.values.redisUrl,
              prefix: config.values.queuePrefix,
              scope: app,
              perMinute: app === 'api' ? config.values.apiRateLimitPerMinute : config.values.gatewayRateLimitPerMinute,
            }),
        },
      ],
      exports: [RATE_LIMITER, RateLimitMetrics],
    };
  }
}
