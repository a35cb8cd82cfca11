import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logLevel, type Kafka } from 'kafkajs';
import type { TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { createTopic, deleteTopics, readTopic, recordCount, uniqueId } from '@kanshi/testing';
import { kafkaSecurityEnv } from '../../../infra/scripts/local-kafka';
import { eventBuilders } from './event-builders';

const run = promisify(execFile);
const repo = join(__dirname, '..', '..', '..');
const TARBALLS = ['kanshi-contracts-0.1.0.tgz', 'kanshi-telemetry-client-0.1.0.tgz'];

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; a non-zero exit is an outcome, not an exception. */
async function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 60_000): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Only what a shell outside the repository would have: no KANSHI_* settings leak in. */
function outsideEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, npm_config_cache } = process.env;
  return { PATH, HOME, TMPDIR, ...(npm_config_cache ? { npm_config_cache } : {}), ...extra };
}

describe('the npm packages, installed outside the repository (real Kafka)', () => {
  const brokers = loadConfig().values.kafkaBrokers.join(',');
  const topic = uniqueId('test.telemetry-package');
  const tenant = uniqueId('outside');
  let kafka: Kafka;
  let outside: string;

  beforeAll(async () => {
    kafka = createKafkaClient(kafkaConnectionOf(loadConfig()), uniqueId('telemetry-package-int'));
    kafka.logger().setLogLevel(logLevel.ERROR);
    await createTopic(kafka, topic, 2);
    outside = mkdtempSync(join(tmpdir(), 'kanshi-outside-'));
  });

  afterAll(async () => {
    if (outside) rmSync(outside, { recursive: true, force: true });
    await deleteTopics(kafka, [topic]);
  });

  // Packing, installing and compiling take a minute or more on a busy machine.
  it('packs both packages, installs the tarballs, type-checks and runs the example, and the events arrive', async () => {
    // KANSHI_DEPS_CHECKED: the repository's dependencies are installed already; no `npm ci` mid-test.
    const packed = await exec('bash', ['scripts/packages.sh'], repo, { ...process.env, KANSHI_DEPS_CHECKED: '1' }, 60_000);
    expect(packed).toMatchObject({ code: 0 });
    for (const tarball of TARBALLS) copyFileSync(join(repo, 'dist', 'packages', tarball), join(outside, tarball));

    writeFileSync(join(outside, 'package.json'), JSON.stringify({ name: 'kanshi-outside-check', version: '1.0.0', private: true }));
    const installed = await exec(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...TARBALLS.map((t) => `./${t}`), 'kafkajs@2.2.4'],
      outside,
      outsideEnv({}),
      60_000,
    );
    expect(installed).toMatchObject({ code: 0 });
    // The contracts come from our tarball (with its JSON Schema), not from any registry.
    const lock = JSON.parse(readFileSync(join(outside, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    expect(lock.packages['node_modules/@kanshi/contracts']?.resolved).toMatch(/^file:/);
    expect(existsSync(join(outside, 'node_modules/@kanshi/contracts/schemas/telemetry-event.v1.json'))).toBe(true);

    // The example shipped in the package compiles against the packages' own .d.ts, strictly.
    copyFileSync(join(outside, 'node_modules/@kanshi/telemetry-client/examples/send-events.ts'), join(outside, 'send-events.ts'));
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const compiled = await exec(
      process.execPath,
      [tsc, '--strict', '--noUncheckedIndexedAccess', '--module', 'commonjs', '--target', 'es2022', '--types', 'node', '--typeRoots', join(repo, 'node_modules/@types'), '--outDir', 'out', 'send-events.ts'],
      outside,
      outsideEnv({}),
    );
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);

    // The test's principal and a key of the right form: the topic is the test's own, not the engine's.
    const producerEnv = { ...kafkaSecurityEnv(), KANSHI_INGEST_KEY: `kanshi_ingest_0123456789ab_${'p'.repeat(43)}` };
    const example = await exec(
      process.execPath,
      ['out/send-events.js'],
      outside,
      outsideEnv({ ...producerEnv, KANSHI_KAFKA_BROKERS: brokers, KANSHI_TELEMETRY_TOPIC: topic, KANSHI_TENANT: tenant, KANSHI_MODEL: 'credit' }),
    );
    expect(example.stderr).toBe('');
    expect(example.stdout).toContain('not sent: /payload/metric enum ["psi","ks","js"]');
    expect(example.stdout).toContain(`4 of 4 events accepted (kafka ${brokers} topic ${topic})`);
    expect(example.code).toBe(0);

    const records = await readTopic(kafka, topic, 4, uniqueId('telemetry-package-read'));
    expect(records.map((r) => (JSON.parse(r.value) as TelemetryEvent).event_type)).toEqual(['model_deployment', 'prediction', 'drift_metric', 'performance_metric']);
    expect(new Set(records.map((r) => r.key))).toEqual(new Set([`${tenant}:credit`]));

    // The package's own `kanshi` command, as an outside project gets it.
    const events = eventBuilders({ tenant_id: tenant, model_id: 'triage' });
    const lines = [events.prediction({ payload: { score: 0.1 } }), { ...events.prediction({ payload: {} }), tenant_id: 'has:colon' }, events.prediction({ payload: { score: 0.3 } })];
    writeFileSync(join(outside, 'events.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
    const cli = await exec(join(outside, 'node_modules/.bin/kanshi'), ['send', 'events.jsonl', '--kafka', brokers, '--topic', topic], outside, outsideEnv(producerEnv));
    expect(cli.stdout).toContain('  sent        2\n');
    expect(cli.stdout).toMatch(/1 × SCHEMA_INVALID \/tenant_id: .* \(line 2\)/);
    expect(cli.code).toBe(1);
    expect(await recordCount(kafka, topic)).toBe(6);

    // A gateway-only user need not have kafkajs: loading the client does not load it.
    const loaded = await exec(process.execPath, ['-e', "require('@kanshi/telemetry-client'); console.log(Object.keys(require.cache).some((f) => f.includes('/kafkajs/')))"], outside, outsideEnv({}));
    expect(loaded.stdout.trim()).toBe('false');
  }, 240_000);
});
