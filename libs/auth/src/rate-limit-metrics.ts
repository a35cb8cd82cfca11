import { Counter, type Registry } from 'prom-client';
import type { RateLimitedApp } from './rate-limit.module';

/**
 * Requests the per-key rate limit refused, in the app's registry. `scope` is the limit's: each
 * HTTP app has its own (`api`, `ingest-gateway`), so a process reports one value.
 */
export class RateLimitMetrics {
  private readonly refusals: Counter<'scope'>;

  constructor(
    registry: Registry,
    private readonly scope: RateLimitedApp,
  ) {
    this.refusals = new Counter({
      name: 'kanshi_rate_limit_refusals_total',
      help: 'Requests refused with 429 because their API key had used its requests per minute, by limit (api: KANSHI_RATE_LIMIT_PER_MINUTE; ingest-gateway: KANSHI_GATEWAY_RATE_LIMIT_PER_MINUTE).',
      labelNames: ['scope'],
      registers: [registry],
    });
    this.refusals.inc({ scope }, 0);
  }

  refused(): void {
    this.refusals.inc({ scope: this.scope });
  }
}
