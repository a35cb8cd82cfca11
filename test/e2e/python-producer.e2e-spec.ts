import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { TOPICS, telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { telemetryPartition } from '@kanshi/messaging';
import { createDataSource, PolicyOverrideRepository } from '@kanshi/persistence';
import { createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { localKafkaSasl } from '../../infra/scripts/local-kafka';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

const PYTHON = '/usr/bin/python3';
const PRODUCER = join(__dirname, 'fixtures', 'signed_producer.py');
const MISSING =
  "Debian's python3-confluent-kafka is not installed: this spec produces with librdkafka's default partitioner to prove the engine repairs it. " +
  'Run the tests with `npm test` (scripts/test.sh installs it) or `apt-get install python3-confluent-kafka`.';

/** Sends records with the Python producer; resolves with its output, rejects with its errors. */
function python(records: readonly { key: string; value: string }[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PRODUCER], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`the Python producer exited ${code ?? 'on a signal'}: ${stderr.trim()}`));
    });
    child.stdin.end(records.map((r) => JSON.stringify(r)).join('\n'));
  });
}

const MODELS = Array.from({ length: 8 }, (_, i) => `guarded-${i}`);

/** G9 over one-minute windows, judged 20 s after they end: both producers' events arrive before. */
const G9_ARGS = { minSamples: 20, maxPerThousand: 100, window: '1m', lateness: '20s' };
const WINDOW_MS = 60_000;

/**
 * Model i sends 24 + i responses in the current minute, i of them caught by a guardrail: with G9
 * judging windows of at least 20 responses over 100 per thousand, models 3 to 7 fire. Split
 * over two partitions, a window would hold too few responses to be judged.
 */
function scenario(tenantId: string, runId: string, now: number): TelemetryEvent[] {
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  return MODELS.flatMap((modelId, i) =>
    Array.from({ length: 24 + i }, (_, n) =>
      telemetryEvent({
        tenant_id: tenantId,
        model_id: modelId,
        event_id: `${runId}-${modelId}-${n}`,
        event_type: 'prediction',
        timestamp: new Date(Math.max(windowStart, now - (40 - n) * 50)).toISOString(),
        payload: { score: 0.5, decision: 'approve', guardrail_violation: n < i },
      }),
    ),
  );
}

interface G9Alert {
  readonly model_id: string;
  readonly observed: { violations: number; responses: number };
}

describe("a producer on librdkafka's default partitioner (Python confluent-kafka)", () => {
  const config = loadConfig();
  const runId = uniqueId('py');
  let dataSource: DataSource;
  let kanshi: RunningKanshi;
  let murmur: TenantFixture;
  let crc: TenantFixture;

  beforeAll(async () => {
    // Fail, not skip: a missing producer must not pass as a proof.
    if (spawnSync(PYTHON, ['-c', 'import confluent_kafka']).status !== 0) throw new Error(MISSING);
    // Tenants and their G9 thresholds exist before the engine starts, so its first load has them.
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-e2e-python');
    await dataSource.initialize();
    const models = MODELS.map((modelId) => ({ modelId, sectors: ['finance' as const], riskTier: 'T2' as const }));
    murmur = await createTenantFixture(dataSource, uniqueId('murmur'), models);
    crc = await createTenantFixture(dataSource, uniqueId('crc32'), models);
    const overrides = new PolicyOverrideRepository(dataSource);
    for (const tenant of [murmur, crc]) {
      await overrides.put({ tenantId: tenant.tenantId, scope: 'tenant', target: '', ruleId: 'G9' }, { enabled: null, args: G9_ARGS });
    }
    kanshi = await startKanshi();
    await kanshi.engineKnowsTenant(murmur.tenantId);
    await kanshi.engineKnowsTenant(crc.tenantId);
  });

  afterAll(async () => {
    await kanshi?.stop();
    await dataSource?.destroy();
  });

  const g9Alerts = async (tenantId: string): Promise<G9Alert[]> =>
    (
      await dataSource.query<G9Alert[]>(`SELECT model_id, observed FROM alerts WHERE tenant_id = $1 AND rule_id = 'G9' ORDER BY model_id`, [tenantId])
    ).map((a) => ({ model_id: a.model_id, observed: { violations: a.observed.violations, responses: a.observed.responses } }));

  const moved = async () => {
    const metric = await kanshi.engine.get(Registry).getSingleMetric('kanshi_engine_records_repartitioned_total')?.get();
    return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  };

  it('gives the windowed rules the same findings as kafkajs: misplaced records are moved to their model, none lost or counted twice', async () => {
    const admin = kanshi.kafka.admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicMetadata({ topics: [TOPICS.telemetry] }).finally(() => admin.disconnect())).topics[0]?.partitions.length ?? 0;
    const movedBefore = await moved();
    // Start early in a minute, so that both producers are done long before its window is judged.
    const now = await waitFor('the first 30 s of a minute', () => Promise.resolve(Date.now() % WINDOW_MS < 30_000 ? Date.now() : undefined), 40_000, 250);

    // One tenant's minute through kafkajs (murmur2) alone.
    await kanshi.produce(scenario(murmur.tenantId, `${runId}-m`, now));
    // The same minute of the other tenant, every other event through the Python producer (CRC32).
    const events = scenario(crc.tenantId, `${runId}-c`, now);
    await kanshi.produce(events.filter((_, n) => n % 2 === 0));
    const viaPython = events.filter((_, n) => n % 2 === 1).map((e) => ({ key: telemetryKey(e.tenant_id, e.model_id), value: JSON.stringify(e) }));
    const producerSasl = process.env['KANSHI_TEST_LOCAL_KAFKA'] === '1' ? (localKafkaSasl('kanshi-producer') ?? {}) : {};
    const sent = await python(viaPython, {
      KANSHI_KAFKA_BROKERS: config.values.kafkaBrokers.join(','),
      KANSHI_KAFKA_SASL_MECHANISM: process.env['KANSHI_KAFKA_SASL_MECHANISM'] ?? 'none',
      KANSHI_KAFKA_SASL_USERNAME: process.env['KANSHI_KAFKA_SASL_USERNAME'] ?? '',
      KANSHI_KAFKA_SASL_PASSWORD: process.env['KANSHI_KAFKA_SASL_PASSWORD'] ?? '',
      ...producerSasl,
      KANSHI_INGEST_KEY: crc.ingestKey,
      KANSHI_TOPIC: TOPICS.telemetry,
    });
    expect(sent.trim()).toBe(`delivered ${viaPython.length}`);
    // librdkafka's consistent_random puts a key on CRC32(key) % partitions: for these keys, often elsewhere.
    const misplaced = viaPython.filter((r) => crc32(r.key) % partitions !== telemetryPartition(r.key, partitions)).length;
    expect(misplaced).toBeGreaterThan(0);

    expect(Date.now()).toBeLessThan(Math.floor(now / WINDOW_MS) * WINDOW_MS + WINDOW_MS + 20_000);
    const expected = await waitFor('G9 to judge the kafkajs tenant’s minute', async () => {
      const alerts = await g9Alerts(murmur.tenantId);
      return alerts.length === 5 ? alerts : undefined;
    }, 90_000);
    expect(expected.map((a) => a.model_id)).toEqual(MODELS.slice(3));
    expect(expected.map((a) => a.observed)).toEqual(MODELS.slice(3).map((_, k) => ({ violations: k + 3, responses: 24 + k + 3 })));

    const repaired = await waitFor('G9 to judge the Python tenant’s minute the same way', async () => {
      const alerts = await g9Alerts(crc.tenantId);
      return alerts.length >= expected.length ? alerts : undefined;
    }, 30_000);
    expect(repaired).toEqual(expected);
    // Each misplaced record was moved once.
    expect((await moved()) - movedBefore).toBe(misplaced);
  }, 240_000);
});
