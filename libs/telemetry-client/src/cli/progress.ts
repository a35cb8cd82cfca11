import { systemClock, type Clock } from '../backoff';

/** Where progress goes: standard error, a terminal or not. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressState {
  /** Bytes of the file read so far. */
  readonly bytes: number;
  readonly read: number;
  readonly sent: number;
  readonly rejected: number;
  readonly unsent: number;
}

const BAR_WIDTH = 20;

/**
 * Progress of `kanshi send` on standard error: on a terminal one line redrawn in place (`\r`) at
 * most ten times a second; otherwise a plain line every `lineIntervalMs`, so a log file gets a
 * readable record. `totalBytes` (the file size) gives a percentage when known.
 */
export class Progress {
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private state: ProgressState = { bytes: 0, read: 0, sent: 0, rejected: 0, unsent: 0 };

  constructor(
    private readonly stream: ProgressStream,
    private readonly totalBytes: number | undefined,
    private readonly clock: Clock = systemClock,
    private readonly lineIntervalMs = 5000,
  ) {
    this.started = clock.now();
  }

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  update(state: ProgressState): void {
    this.state = state;
    const now = this.clock.now();
    if (now - this.lastDraw < (this.tty ? 100 : this.lineIntervalMs)) return;
    this.lastDraw = now;
    this.draw();
  }

  /** A message on a line of its own (a retry, a warning), without breaking the bar. */
  note(message: string): void {
    this.clearBar();
    this.stream.write(`${message}\n`);
    if (this.tty && this.drawn) this.draw();
  }

  /** The final state, and the terminal left on a fresh line. */
  done(): void {
    if (this.tty) {
      this.draw();
      this.stream.write('\n');
    } else {
      this.stream.write(`kanshi send: ${this.text()}\n`);
    }
    this.drawn = false;
  }

  private percent(): number | undefined {
    if (!this.totalBytes) return undefined;
    return Math.min(100, Math.floor((this.state.bytes / this.totalBytes) * 100));
  }

  /** The counters, shared by both forms. */
  text(): string {
    const { read, sent, rejected, unsent } = this.state;
    const seconds = Math.max(0.001, (this.clock.now() - this.started) / 1000);
    const percent = this.percent();
    return [
      percent === undefined ? undefined : `${percent}%`,
      `${read} read`,
      `${sent} sent`,
      `${rejected} rejected`,
      unsent > 0 ? `${unsent} unsent` : undefined,
      `${Math.round(sent / seconds)} events/s`,
    ]
      .filter((part) => part !== undefined)
      .join('  ');
  }

  private draw(): void {
    if (!this.tty) {
      this.stream.write(`kanshi send: ${this.text()}\n`);
      return;
    }
    const percent = this.percent();
    const filled = percent === undefined ? 0 : Math.round((percent / 100) * BAR_WIDTH);
    const bar = percent === undefined ? '' : `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] `;
    const line = `${bar}${this.text()}`;
    const width = this.stream.columns || 80;
    this.stream.write(`\r${line.slice(0, Math.max(10, width - 1))}\x1b[K`);
    this.drawn = true;
  }

  private clearBar(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
  }
}
