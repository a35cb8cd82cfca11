/** Where a {@link LogDigest} writes its lines: a logger method at the level they deserve. */
export type DigestWriter = (line: string) => void;

/** Kinds kept apart in one digest; more are counted together as `other`, so outside data cannot grow it. */
const MAX_KINDS = 32;
const SAMPLE_CHARS = 300;

/**
 * Sums up a stream of like events that a producer can multiply (records dead-lettered, by
 * reason) in one log line per `everyMs`: counts by kind and one sample each. The first event
 * after a quiet spell is written at once, so a newcomer sees it; the rest wait for the next line.
 *
 * @example
 * ```ts
 * const digest = new LogDigest((line) => logger.warn(line), (n) => `dead-lettered ${n} records`);
 * digest.add('NOT_JSON', 120, 'kanshi.telemetry.v1/3@55: Unexpected token');
 * ```
 */
export class LogDigest {
  private readonly kinds = new Map<string, { count: number; sample: string }>();
  private loggedAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: DigestWriter,
    /** How a line starts, for the number of events it counts: `(n) => \`dead-lettered ${n} records\``. */
    private readonly counted: (total: number) => string,
    private readonly everyMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts `count` events of `kind`; `sample` describes one of them (the first one kept). */
  add(kind: string, count: number, sample: string): void {
    if (count <= 0) return;
    const key = this.kinds.has(kind) || this.kinds.size < MAX_KINDS ? kind : 'other';
    const seen = this.kinds.get(key);
    if (seen) seen.count += count;
    else this.kinds.set(key, { count, sample: sample.length > SAMPLE_CHARS ? `${sample.slice(0, SAMPLE_CHARS)}…` : sample });
    const wait = this.loggedAt + this.everyMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  /** Writes what was counted since the last line, if anything. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.kinds.size === 0) return;
    const now = this.now();
    const span = Number.isFinite(this.loggedAt) ? ` in the last ${Math.round((now - this.loggedAt) / 1000)} s` : '';
    const kinds = [...this.kinds].sort(([, a], [, b]) => b.count - a.count);
    const total = kinds.reduce((sum, [, k]) => sum + k.count, 0);
    const counts = kinds.map(([kind, k]) => `${kind} ${k.count}`).join(', ');
    const samples = kinds.map(([kind, k]) => `${kind}: ${k.sample}`).join('; ');
    this.write(`${this.counted(total)}${span} (${counts}); e.g. ${samples}`);
    this.kinds.clear();
    this.loggedAt = now;
  }
}
