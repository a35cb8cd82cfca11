import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@kanshi/config';
import { CACHE_DIR } from '../../infra/scripts/local-services';
import { seedDemo } from '../demo/seed-demo';

const DIST = join(__dirname, '..', '..');
const APPS = ['policy-engine', 'alert-worker', 'api', 'ingest-gateway'] as const;
const COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[32m', '\x1b[33m', '\x1b[34m'];
const RESET = '\x1b[0m';

/** Runs the four apps and the demo producer in one terminal; Ctrl-C stops them all cleanly. */
async function main(): Promise<void> {
  const config = loadConfig();
  const seed = await seedDemo(config, CACHE_DIR);
  const env = { ...process.env, KANSHI_DEV_API_KEY: seed.adminKey };
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const colour = process.stdout.isTTY ? (i: number) => COLOURS[i % COLOURS.length] ?? '' : () => '';
  const reset = process.stdout.isTTY ? RESET : '';

  const launch = (name: string, script: string, index: number): void => {
    // Own process group: Ctrl-C reaches only this supervisor, which stops each app once, cleanly.
    const child = spawn(process.execPath, ['--enable-source-maps', script], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const tag = `${colour(index)}${name.padEnd(15)}${reset}| `;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) process.stdout.write(`${tag}${line}\n`);
      });
    }
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (!stopping) {
        process.stdout.write(`${tag}exited (${signal ?? `code ${code ?? '?'}`}); stopping the rest\n`);
        shutdown(1);
      } else if (children.size === 0) {
        process.exit(exitCode);
      }
    });
    children.set(name, child);
  };

  let exitCode = 0;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    process.stdout.write('\nstopping Kanshi…\n');
    for (const child of children.values()) child.kill('SIGTERM');
    if (children.size === 0) process.exit(code);
    setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
      process.exit(code);
    }, 20_000).unref();
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGHUP', () => shutdown(0));
  // The apps run in process groups of their own; never leave them behind.
  process.on('exit', () => {
    for (const child of children.values()) child.kill('SIGKILL');
  });

  APPS.forEach((app, i) => launch(app, join(DIST, 'apps', app, 'src', 'main.js'), i));
  try {
    await waitForHealth(`http://127.0.0.1:${config.values.apiPort}/health`);
    await waitForHealth(`http://127.0.0.1:${config.values.gatewayPort}/health`);
  } catch (error) {
    process.stderr.write(`kanshi could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    shutdown(1);
    return;
  }
  if (stopping) return;
  launch('demo-producer', join(DIST, 'tools', 'demo', 'demo-producer.js'), APPS.length);

  const api = `http://127.0.0.1:${config.values.apiPort}`;
  const gateway = `http://127.0.0.1:${config.values.gatewayPort}`;
  process.stdout.write(
    [
      '',
      '────────────────────────────────────────────────────────────────────────',
      ' Kanshi is running with a demo stream (tenant "demo").',
      ` API             ${api}   (health: ${api}/health)`,
      ` Ingest gateway  ${gateway}/v1/telemetry`,
      ` Admin API key   ${seed.adminKey}`,
      '                 (dev only; production refuses it)',
      ' See the alerts:',
      `   curl -s -H "Authorization: Bearer ${seed.adminKey}" ${api}/v1/alerts`,
      ' Ctrl-C stops everything.',
      '────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not become healthy within 60s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kanshi could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
