/** The part of Nest's `Logger` an {@link OutageLog} writes to. */
export interface OutageLogger {
  error(message: string): void;
  log(message: string): void;
}

/**
 * Logs the failures of one dependency (a database, a Redis connection) so that an outage of
 * hours stays readable: the first failure at once, then at most one line per `everyMs` saying
 * how many failed meanwhile and the latest reason, and one line when it works again.
 *
 * @example
 * ```ts
 * const outage = new OutageLog(logger, 'inventory refresh');
 * refresh().then(() => outage.succeeded(), (error: unknown) => outage.failed(error));
 * ```
 */
export class OutageLog {
  private failures = 0;
  private since = 0;
  private loggedAt = -Infinity;
  private unlogged = 0;

  constructor(
    private readonly logger: OutageLogger,
    /** What fails, as the log names it: `inventory refresh`, `Redis (alert queue)`. */
    private readonly what: string,
    private readonly everyMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the dependency is failing now. */
  get failing(): boolean {
    return this.failures > 0;
  }

  failed(error: unknown): void {
    const now = this.now();
    if (this.failures === 0) this.since = now;
    this.failures += 1;
    this.unlogged += 1;
    if (now - this.loggedAt < this.everyMs) return;
    const reason = error instanceof Error ? error.message : String(error);
    const more = this.failures === 1 ? '' : ` (${plural(this.unlogged, 'failure')} in the last ${Math.round((now - this.loggedAt) / 1000)} s, failing for ${Math.round((now - this.since) / 1000)} s)`;
    this.logger.error(`${this.what} failed: ${reason}${more}`);
    this.loggedAt = now;
    this.unlogged = 0;
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.log(`${this.what} works again after ${plural(this.failures, 'failure')} over ${Math.round((this.now() - this.since) / 1000)} s`);
    this.failures = 0;
    this.unlogged = 0;
    this.loggedAt = -Infinity;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
