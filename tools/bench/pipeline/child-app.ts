import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './bench-support';

/** The repository root (this file runs from dist/tools/bench/pipeline/). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Children still running; killed if the runner exits without stopping them (a crash, Ctrl-C). */
const LIVE = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of LIVE) child.kill('SIGKILL');
});

/** Kibibytes of one `VmXXX:` line of /proc/<pid>/status, or undefined when the process is gone. */
function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * Set (by `bench --cpu-prof DIR`) to profile the apps: Node 20 refuses `--cpu-prof` in
 * NODE_OPTIONS, so the flags go on the child's command line. V8 writes the profile only on a
 * normal exit, but Nest's shutdown hook re-raises SIGTERM after closing the app and the process
 * dies of it; the preload turns that second signal into `process.exit(0)`.
 */
export const CPU_PROF_DIR_ENV = 'KANSHI_BENCH_CPU_PROF_DIR';
const PROFILE_PRELOAD = join(__dirname, 'exit-after-shutdown.preload.js');

/** Node flags that profile a child into `${CPU_PROF_DIR_ENV}` when it is set (none otherwise). */
export function profileArgs(): string[] {
  const dir = process.env[CPU_PROF_DIR_ENV];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--require', PROFILE_PRELOAD] : [];
}

export interface RunningApp {
  readonly name: string;
  readonly pid: number;
  /** The last part of what the app printed (for errors). */
  output(): string;
  /** Resolves with the time (epoch ms) `pattern` was first printed; rejects on exit, timeout or abort. */
  waitForOutput(pattern: RegExp, timeoutMs: number, signal: AbortSignal): Promise<number>;
  /** Peak resident set so far, MiB: the kernel's high-water mark (VmHWM) or the highest sampled VmRSS. */
  peakRssMb(): number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  readonly exited: boolean;
}

const OUTPUT_KEEP = 256 * 1024;

/** Starts a built app (`node dist/apps/<app>/src/main.js`) as `npm start` would, with `env` on top of the runner's environment. */
export function startApp(app: string, label: string, env: Readonly<Record<string, string>>): RunningApp {
  return startNode([...profileArgs(), join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js')], label, env);
}

/** Runs `node <args>` from the repository root, watched: its output, its peak memory, a bounded stop. */
export function startNode(args: readonly string[], label: string, env: Readonly<Record<string, string>>): RunningApp {
  return startProcess(process.execPath, args, label, env);
}

/** Runs any program from the repository root (a peer system the bench compares with), watched as `startNode` is. */
export function startProcess(command: string, args: readonly string[], label: string, env: Readonly<Record<string, string>>): RunningApp {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label} did not start`);
  LIVE.add(child);
  let output = '';
  const watchers: { pattern: RegExp; at: number | undefined }[] = [];
  const onData = (chunk: Buffer) => {
    const now = Date.now();
    const text = chunk.toString();
    // A line may straddle two chunks: match against the tail of what came before, too.
    const window = output.slice(-4096) + text;
    output = (output + text).slice(-OUTPUT_KEEP);
    for (const w of watchers) if (w.at === undefined && w.pattern.test(window)) w.at = now;
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      LIVE.delete(child);
      resolve();
    }),
  );
  let sampledKb = 0;
  let hwmKb = 0;
  const sample = () => {
    sampledKb = Math.max(sampledKb, procStatusKb(pid, 'VmRSS') ?? 0);
    hwmKb = Math.max(hwmKb, procStatusKb(pid, 'VmHWM') ?? 0);
  };
  const sampler = setInterval(sample, 500);
  sampler.unref();
  void exited.then(() => clearInterval(sampler));

  return {
    name: label,
    pid,
    output: () => output.slice(-4000),
    get exited() {
      return exitCode !== undefined;
    },
    async waitForOutput(pattern, timeoutMs, signal) {
      const watcher = { pattern, at: pattern.test(output) ? Date.now() : undefined };
      watchers.push(watcher);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (watcher.at !== undefined) return watcher.at;
        if (exitCode !== undefined) throw new Error(`${label} exited (${String(exitCode)}) before printing ${pattern}: ${output.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`${label} did not print ${pattern} within ${timeoutMs} ms: ${output.slice(-2000)}`);
        await sleep(20, signal);
      }
    },
    peakRssMb() {
      if (exitCode === undefined) sample();
      return Math.max(sampledKb, hwmKb) / 1024;
    },
    async stop(graceMs = 20_000) {
      if (exitCode !== undefined) return;
      sample();
      child.kill('SIGTERM');
      const killed = sleep(graceMs).then(() => {
        if (exitCode === undefined) child.kill('SIGKILL');
      });
      await Promise.race([exited, killed]);
      await exited;
    },
  };
}
