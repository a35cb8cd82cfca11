import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_RESTART_POLICY, INITIAL_RESTART_STATE, planRestart, type RestartPolicy, type RestartState } from './restart-policy';

/** One process the supervisor keeps running. */
export interface SupervisedProcess {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** The time source and timers the supervisor uses (the real ones unless a test gives others). */
export interface SupervisorClock {
  now(): number;
  setTimeout(run: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

const REAL_CLOCK: SupervisorClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

export interface SupervisorOptions {
  readonly policy?: RestartPolicy;
  readonly clock?: SupervisorClock;
  /** Longest a process may take to exit after SIGTERM before it gets SIGKILL. */
  readonly stopGraceMs?: number;
  /** A line the process printed (stdout or stderr). */
  readonly output: (name: string, line: string) => void;
  /** What the supervisor did or saw: starts, exits, restarts, stops. */
  readonly note: (name: string, message: string) => void;
}

interface Entry {
  readonly spec: SupervisedProcess;
  child: ChildProcess | undefined;
  startedAt: number;
  state: RestartState;
  restartTimer: NodeJS.Timeout | undefined;
  exited: Promise<void>;
}

/** `250 ms`, `2.5 s`, `30 s`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * Runs processes and restarts one that exits, after a capped exponential backoff
 * ({@link planRestart}), until {@link Supervisor.stop}. Each process gets a process group of its
 * own, so a Ctrl-C in the terminal reaches only the supervisor, which stops each process once.
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private readonly policy: RestartPolicy;
  private readonly clock: SupervisorClock;
  private readonly stopGraceMs: number;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.clock = options.clock ?? REAL_CLOCK;
    this.stopGraceMs = options.stopGraceMs ?? 20_000;
  }

  /** Starts `spec` and keeps it running. */
  start(spec: SupervisedProcess): void {
    if (this.stopping) throw new Error('the supervisor is stopping');
    if (this.entries.has(spec.name)) throw new Error(`${spec.name} is already supervised`);
    const entry: Entry = { spec, child: undefined, startedAt: 0, state: INITIAL_RESTART_STATE, restartTimer: undefined, exited: Promise.resolve() };
    this.entries.set(spec.name, entry);
    this.launch(entry, false);
  }

  /** Processes running now. */
  get running(): number {
    return [...this.entries.values()].filter((e) => e.child !== undefined).length;
  }

  /** Restarts waiting for their delay. */
  get pendingRestarts(): number {
    return [...this.entries.values()].filter((e) => e.restartTimer !== undefined).length;
  }

  /**
   * Cancels pending restarts, sends SIGTERM to every process and SIGKILL to those still running
   * after the grace period; resolves once all have exited. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** SIGKILL to every process at once: for the supervisor's own `exit`, when nothing can be awaited. */
  killAll(): void {
    for (const entry of this.entries.values()) entry.child?.kill('SIGKILL');
  }

  private async stopAll(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.restartTimer !== undefined) this.clock.clearTimeout(entry.restartTimer);
      entry.restartTimer = undefined;
    }
    const running = [...this.entries.values()].filter((e) => e.child !== undefined);
    for (const entry of running) entry.child?.kill('SIGTERM');
    const killer = this.clock.setTimeout(() => {
      for (const entry of running) {
        if (entry.child === undefined) continue;
        this.options.note(entry.spec.name, `did not stop within ${duration(this.stopGraceMs)}; killing it`);
        entry.child.kill('SIGKILL');
      }
    }, this.stopGraceMs);
    try {
      await Promise.all(running.map((e) => e.exited));
    } finally {
      this.clock.clearTimeout(killer);
    }
  }

  private launch(entry: Entry, restart: boolean): void {
    const { name, command, args, env } = entry.spec;
    const child = spawn(command, [...args], { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    entry.child = child;
    entry.startedAt = this.clock.now();
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.options.output(name, line);
      });
      stream.on('end', () => {
        if (partial !== '') this.options.output(name, partial);
        partial = '';
      });
    }
    entry.exited = new Promise<void>((resolve) => {
      // 'close' rather than 'exit': the process's last lines have been read by then.
      child.on('close', (code, signal) => {
        entry.child = undefined;
        this.exited(entry, code, signal);
        resolve();
      });
      child.on('error', (error) => {
        // A spawn that failed emits 'close' too; this only says why.
        this.options.note(name, `could not be started: ${error.message}`);
      });
    });
    this.options.note(name, `${restart ? 'restarted' : 'started'} (pid ${child.pid ?? '?'})`);
  }

  private exited(entry: Entry, code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `signal ${signal}` : `code ${code ?? '?'}`;
    if (this.stopping) {
      this.options.note(entry.spec.name, `stopped (${how})`);
      return;
    }
    const decision = planRestart(entry.state, entry.startedAt, this.clock.now(), this.policy);
    entry.state = decision.state;
    this.options.note(
      entry.spec.name,
      `exited (${how}) after ${duration(decision.uptimeMs)}; restarting in ${duration(decision.delayMs)} ` +
        `(exit ${decision.state.quickExits} in a row within ${duration(this.policy.resetAfterMs)} of starting; the wait doubles up to ${duration(this.policy.maxDelayMs)})`,
    );
    entry.restartTimer = this.clock.setTimeout(() => {
      entry.restartTimer = undefined;
      if (!this.stopping) this.launch(entry, true);
    }, decision.delayMs);
  }
}
