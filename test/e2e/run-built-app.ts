import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** Throws a clear error when the apps were not built (npm test builds them first). */
export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this suite');
  }
}

/**
 * Runs a built app as `npm start` would, until it exits or (when given) a line matching
 * `until` appears on its output, then stops it. Bounded by 30 s.
 */
export function runApp(
  app: string,
  env: Record<string, string>,
  until?: RegExp,
): Promise<{ code: number | null; stdout: string; stderr: string; matched: boolean }> {
  return runBuiltScript(join('apps', app, 'src', 'main.js'), env, until);
}

/** Runs a built script (a path under `dist/`) like {@link runApp}, with `args`, bounded by `timeoutMs` (30 s). */
export function runBuiltScript(
  script: string,
  env: Record<string, string>,
  until?: RegExp,
  { args = [], timeoutMs = 30_000 }: { args?: readonly string[]; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; matched: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, KANSHI_API_PORT: '0', KANSHI_GATEWAY_PORT: '0', KANSHI_ENGINE_HTTP_PORT: '0', KANSHI_WORKER_HTTP_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let matched = false;
    const check = () => {
      if (until && !matched && until.test(stdout + stderr)) {
        matched = true;
        child.kill('SIGTERM');
        // What was looked for is seen; a slow shutdown is not this run's concern.
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      check();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      check();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs / 1000} s; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, matched });
    });
  });
}

/** A built app left running, to be stopped (or killed) by the test. */
export interface RunningBuiltApp {
  output(): string;
  /** The exit code (or signal) once the process has exited; `undefined` while it runs. */
  exited(): number | NodeJS.Signals | undefined;
  /** Resolves when `pattern` has appeared in the app's output (bounded by 60 s). */
  waitForOutput(pattern: RegExp): Promise<void>;
  /** Sends `signal` and resolves when the process has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Starts a built app in the background. */
export function startBuiltApp(app: string, env: Record<string, string>): RunningBuiltApp {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, KANSHI_API_PORT: '0', KANSHI_GATEWAY_PORT: '0', KANSHI_ENGINE_HTTP_PORT: '0', KANSHI_WORKER_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    output: () => output,
    exited: () => child.exitCode ?? child.signalCode ?? undefined,
    async waitForOutput(pattern) {
      const deadline = Date.now() + 60_000;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`${app} exited (${child.exitCode}) before printing ${pattern}: ${output.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`${app} did not print ${pattern} within 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal) {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}
