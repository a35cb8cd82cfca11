import { join } from 'node:path';
import { loadConfig } from '@kanshi/config';
import { withLocalKafkaPrincipal } from '../../infra/scripts/local-kafka';
import { CACHE_DIR } from '../../infra/scripts/local-services';
import { seedDemo } from '../demo/seed-demo';
import { Supervisor } from './supervisor';

const DIST = join(__dirname, '..', '..');
const APPS = ['policy-engine', 'alert-worker', 'api', 'ingest-gateway'] as const;
const COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[32m', '\x1b[33m', '\x1b[34m'];
const RESET = '\x1b[0m';
const NAMES = [...APPS, 'demo-producer'];

/**
 * Runs the four apps and the demo producer in one terminal. An app that exits is restarted after
 * 1 s, doubling to 30 s while it keeps exiting within a minute; Ctrl-C (or SIGTERM) stops them all cleanly.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const seed = await seedDemo(config, CACHE_DIR);
  const env = { ...process.env, KANSHI_DEV_API_KEY: seed.adminKey };
  // On the local broker each app signs in to Kafka as its own principal, allowed only what it needs.
  const envOf: Readonly<Record<string, NodeJS.ProcessEnv>> = {
    'policy-engine': withLocalKafkaPrincipal(env, 'kanshi-engine'),
    'ingest-gateway': withLocalKafkaPrincipal(env, 'kanshi-gateway'),
    'demo-producer': { ...withLocalKafkaPrincipal(env, 'kanshi-producer'), KANSHI_INGEST_KEY: seed.ingestKey },
  };
  const colour = process.stdout.isTTY ? (i: number) => COLOURS[i % COLOURS.length] ?? '' : () => '';
  const reset = process.stdout.isTTY ? RESET : '';
  const tag = (name: string) => `${colour(Math.max(0, NAMES.indexOf(name)))}${name.padEnd(15)}${reset}| `;
  const supervisor = new Supervisor({
    output: (name, line) => process.stdout.write(`${tag(name)}${line}\n`),
    note: (name, message) => process.stdout.write(`${tag(name)}── ${message}\n`),
  });
  const launch = (name: string, script: string): void =>
    supervisor.start({ name, command: process.execPath, args: ['--enable-source-maps', script], env: envOf[name] ?? env });

  let stopping = false;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping Kanshi…\n');
    void supervisor.stop().then(() => process.exit(code));
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGHUP', () => shutdown(0));
  // The apps run in process groups of their own; never leave them behind.
  process.on('exit', () => supervisor.killAll());

  for (const app of APPS) launch(app, join(DIST, 'apps', app, 'src', 'main.js'));
  try {
    // Every app's readiness probe: the HTTP apps on their own ports, the engine and the worker on
    // their operations ports.
    for (const port of [config.values.apiPort, config.values.gatewayPort, config.values.engineHttpPort, config.values.workerHttpPort]) {
      await waitForHealth(`http://127.0.0.1:${port}/health/ready`);
    }
  } catch (error) {
    process.stderr.write(`kanshi could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    shutdown(1);
    return;
  }
  if (stopping) return;
  launch('demo-producer', join(DIST, 'tools', 'demo', 'demo-producer.js'));

  const api = `http://127.0.0.1:${config.values.apiPort}`;
  const gateway = `http://127.0.0.1:${config.values.gatewayPort}`;
  process.stdout.write(
    [
      '',
      '────────────────────────────────────────────────────────────────────────',
      ' Kanshi is running with a demo stream (tenant "demo").',
      ` API             ${api}   (health: ${api}/health)`,
      ` Ingest gateway  ${gateway}/v1/telemetry`,
      ` Metrics         ${api}/metrics, ${gateway}/metrics, engine :${config.values.engineHttpPort}/metrics, worker :${config.values.workerHttpPort}/metrics`,
      ` Admin API key   ${seed.adminKey}`,
      '                 (dev only; production refuses it)',
      ' See the alerts:',
      `   curl -s -H "Authorization: Bearer ${seed.adminKey}" ${api}/v1/alerts`,
      ' An app that exits is restarted (1 s, doubling to 30 s). Ctrl-C stops everything.',
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
