import { systemClock, type Clock } from '../backoff';

/**
 * A token bucket: on average at most `perSecond` calls to `take()` return per second, with a
 * burst of up to `burst` (default a tenth of a second's worth). Waiting happens in `take()`,
 * so one sleep can cover several events when the rate is higher than the timer resolution.
 * For one caller at a time.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = systemClock,
    private readonly burst: number = Math.max(1, Math.floor(perSecond / 10)),
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError('the rate must be a positive number of events per second');
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token, first sleeping until the bucket has paid it back when it is empty. */
  async take(): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens < 0) await this.clock.sleep(Math.ceil((-this.tokens * 1000) / this.perSecond));
  }
}
