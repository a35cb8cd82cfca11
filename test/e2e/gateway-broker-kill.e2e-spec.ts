import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, ensureAcls, ensureTopics, KafkaProducer, kafkaConnectionOf, kanshiAclPlan, kanshiTopics } from '@kanshi/messaging';
import { createTenantFixture, readTopic, recordCount, telemetryEvent, uniqueId, waitFor } from '@kanshi/testing';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';
import { localKafkaSasl, type LocalPrincipal } from '../../infra/scripts/local-kafka';
import { ROOT } from './run-built-app';
import { isRunning, KAFKA_VERSION, kafkaVersionDir, sparePorts } from './spare-kafka';

/**
 * The gateway answers 202 only for events Kafka stored, and that holds across broker crashes:
 * kafkajs 2.2.4 rolls a partition's sequence numbers back after a failed send even when the
 * broker wrote the batch, so a producer kept after a failure could have a later batch taken for
 * a duplicate and dropped while the gateway answers 202 (KafkaProducer starts a fresh one).
 *
 * Under load from concurrent small batches, the broker is killed with SIGKILL and restarted by
 * infra/kafka/kafka.sh, several times; then every event_id answered `accepted` must be on the
 * telemetry topic. The broker is one of this spec's own (kafka.sh with a state directory of its
 * own, on spare ports), so that other specs running at the same time keep the shared one.
 */

const KILLS = 3;
const WORKERS = 8;
const BATCH = 8;
/** Events the gateway must accept before each kill, and after each restart before going on. */
const ACCEPTED_PER_PHASE = 600;

interface IntakeAnswer {
  readonly accepted: number;
  readonly results: readonly { readonly event_id: string | null; readonly status: string }[];
}

describe('ingest gateway under load while its broker is killed (SIGKILL) and restarted', () => {
  const cache = mkdtempSync(join(tmpdir(), 'kanshi-broker-kill-'));
  const stateDir = join(cache, 'kafka', 'state');
  let scriptEnv: NodeJS.ProcessEnv = {};
  let brokers = '';
  let gateway: INestApplication | undefined;

  /** Runs infra/kafka/kafka.sh for this spec's broker, without blocking the gateway's event loop. */
  const kafkaSh = (command: 'start' | 'stop') =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [join(ROOT, 'infra', 'kafka', 'kafka.sh'), command], { env: scriptEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${command} exited ${code ?? 'by a signal'}:\n${output}`))));
    });

  const configAs = (principal: LocalPrincipal, extra: Record<string, string> = {}): AppConfig =>
    loadConfig({ ...process.env, KANSHI_KAFKA_BROKERS: brokers, ...localKafkaSasl(principal, stateDir), ...extra });

  beforeAll(async () => {
    // kafka.sh keeps its state under KANSHI_CACHE_DIR; the jars are the installed ones.
    mkdirSync(join(cache, 'kafka'), { recursive: true });
    symlinkSync(kafkaVersionDir(), join(cache, 'kafka', KAFKA_VERSION));
    const [client, controller, tls, mtls] = await sparePorts(4);
    brokers = `127.0.0.1:${client}`;
    scriptEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      ...(process.env['JAVA_HOME'] ? { JAVA_HOME: process.env['JAVA_HOME'] } : {}),
      KANSHI_CACHE_DIR: cache,
      KANSHI_KAFKA_PORT: String(client),
      KANSHI_KAFKA_CONTROLLER_PORT: String(controller),
      KANSHI_KAFKA_TLS_PORT: String(tls),
      KANSHI_KAFKA_MTLS_PORT: String(mtls),
    };
    await kafkaSh('start');
    // What `infra.js up` does on the shared broker: the topics, and the ACLs of every principal.
    const admin = configAs('kanshi-admin');
    const kafka = createKafkaClient(kafkaConnectionOf(admin), uniqueId('broker-kill-admin'));
    await ensureTopics(kafka, kanshiTopics(admin.values.telemetryPartitions));
    await ensureAcls(kafka, kanshiAclPlan(admin.values.engineGroupId));
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    // Whatever happened, no broker of this spec is left running, and its state goes.
    if (existsSync(join(stateDir, 'kafka.pid'))) await kafkaSh('stop').catch(() => undefined);
    const pid = Number(existsSync(join(stateDir, 'kafka.pid')) ? readFileSync(join(stateDir, 'kafka.pid'), 'utf8') : '0');
    if (pid > 0 && isRunning(pid)) process.kill(pid, 'SIGKILL');
    rmSync(cache, { recursive: true, force: true });
  }, 60_000);

  it('acknowledges no event it then loses, through several SIGKILLs of the broker', async () => {
    gateway = await startIngestGateway(
      configAs('kanshi-gateway', {
        KANSHI_GATEWAY_PORT: '0',
        // A short deadline: more sends are abandoned while the broker may still write them.
        KANSHI_GATEWAY_KAFKA_TIMEOUT_MS: '4000',
        KANSHI_GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000',
        // Every outage logs a stream of connection errors; the summary below tells what happened.
        KANSHI_LOG_LEVEL: 'fatal',
      }),
    );
    const address = (gateway.getHttpServer() as Server).address();
    if (address === null || typeof address === 'string') throw new Error('the gateway is not listening');
    const url = `http://127.0.0.1:${address.port}/v1/telemetry`;
    const tenant = await createTenantFixture(gateway.get(DataSource), uniqueId('broker-kill'));

    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    let stopping = false;
    const post = async (worker: number): Promise<void> => {
      const events = Array.from({ length: BATCH }, (_, i) => telemetryEvent({ tenant_id: tenant.tenantId, model_id: `kill-model-${(worker + i) % 12}` }));
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.keys.producer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status !== 202) {
        await response.arrayBuffer();
        return;
      }
      const answer = (await response.json()) as IntakeAnswer;
      const ids = answer.results.filter((r) => r.status === 'accepted').map((r) => r.event_id ?? '');
      expect(ids).toHaveLength(answer.accepted);
      for (const id of ids) accepted.add(id);
    };
    let failure: Error | undefined;
    const load = Array.from({ length: WORKERS }, async (_, worker) => {
      try {
        while (!stopping) await post(worker);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
        stopping = true;
      }
    });
    const acceptedAtLeast = (count: number, what: string) =>
      waitFor(
        what,
        () => {
          if (failure !== undefined) throw new Error(`the load stopped: ${failure.message}`);
          return Promise.resolve(accepted.size >= count || undefined);
        },
        120_000,
        50,
      );

    const started = Date.now();
    const outages: { restartSeconds: number; recoverySeconds: number }[] = [];
    const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;
    try {
      await acceptedAtLeast(ACCEPTED_PER_PHASE, `the gateway to accept ${ACCEPTED_PER_PHASE} events`);
      for (let kill = 1; kill <= KILLS; kill += 1) {
        const pid = Number(readFileSync(join(stateDir, 'kafka.pid'), 'utf8'));
        expect(isRunning(pid)).toBe(true);
        process.kill(pid, 'SIGKILL');
        const killed = Date.now();
        await waitFor(`the broker (pid ${pid}) to die`, () => Promise.resolve(!isRunning(pid) || undefined), 10_000, 20);
        await kafkaSh('start');
        const restartSeconds = seconds(killed);
        const restarted = Date.now();
        const target = accepted.size + ACCEPTED_PER_PHASE;
        await acceptedAtLeast(target, `the gateway to accept ${ACCEPTED_PER_PHASE} more events after restart ${kill}`);
        outages.push({ restartSeconds, recoverySeconds: seconds(restarted) });
      }
    } finally {
      stopping = true;
      await Promise.all(load);
    }
    const loadMs = Date.now() - started;
    if (failure !== undefined) throw failure;

    // Read the whole topic back: it holds this spec's records only.
    const admin = createKafkaClient(kafkaConnectionOf(configAs('kanshi-admin')), uniqueId('broker-kill-read'));
    const total = await recordCount(admin, TOPICS.telemetry);
    const records = await readTopic(admin, TOPICS.telemetry, total, uniqueId('broker-kill-read'), 120_000);
    expect(records).toHaveLength(total);
    const stored = new Map<string, number>();
    for (const record of records) {
      const id = (JSON.parse(record.value) as { event_id: string }).event_id;
      stored.set(id, (stored.get(id) ?? 0) + 1);
    }
    const lost = [...accepted].filter((id) => !stored.has(id));
    const requests = [...statuses.values()].reduce((a, b) => a + b, 0);
    const summary = {
      kills: KILLS,
      loadSeconds: Math.round(loadMs / 1000),
      outages,
      requests,
      statuses: Object.fromEntries(statuses),
      eventsSent: requests * BATCH,
      acceptedEvents: accepted.size,
      storedRecords: total,
      storedTwice: [...stored.values()].filter((n) => n > 1).length,
      lostAcknowledged: lost.length,
      kafkajsProducersStarted: gateway.get(KafkaProducer).producersStarted,
    };
    console.log(`gateway under broker kills: ${JSON.stringify(summary)}`);

    expect(lost).toEqual([]);
    // Only two answers are possible: stored (202) or not acknowledged (503); and the outages were felt.
    expect([...statuses.keys()].filter((status) => status !== 202 && status !== 503)).toEqual([]);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(summary.kafkajsProducersStarted).toBeGreaterThan(1);
  }, 400_000);
});
