import { spawn, spawnSync } from 'node:child_process';
import { parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, TOPICS, telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import {
  createTenantFixture,
  expectedTally,
  fuzzSeed,
  groupCaughtUp,
  tapDeadLetters,
  TelemetryFuzzer,
  uniqueId,
  waitForAlertTally,
  type DeadLetterTap,
  type TenantFixture,
} from '@kanshi/testing';
import { localKafkaSasl } from '../../infra/scripts/local-kafka';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

/** librdkafka's SASL settings for the principal the environment names (`[]` without SASL). */
function kcatSasl(env: Readonly<Record<string, string | undefined>>): string[] {
  const mechanism = env['KANSHI_KAFKA_SASL_MECHANISM'] ?? 'none';
  if (mechanism === 'none') return [];
  return [
    '-X', 'security.protocol=SASL_PLAINTEXT',
    '-X', `sasl.mechanisms=${mechanism.toUpperCase()}`,
    '-X', `sasl.username=${env['KANSHI_KAFKA_SASL_USERNAME'] ?? ''}`,
    '-X', `sasl.password=${env['KANSHI_KAFKA_SASL_PASSWORD'] ?? ''}`,
  ];
}

const KCAT_MISSING =
  'kcat is not installed: this spec produces with Debian\'s kcat (librdkafka) to prove a non-kafkajs producer works. ' +
  'Run the tests with `npm test` (scripts/test.sh installs it) or `apt-get install kcat`.';

/** Runs kcat with `input` on stdin; resolves with its stdout, rejects with its stderr. */
function kcat(args: readonly string[], input = '', timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => reject(error));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}

const seed = fuzzSeed();

describe(`events produced by kcat, not kafkajs (seed ${seed}; replay with KANSHI_FUZZ_SEED=${seed})`, () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let brokers: string;

  beforeAll(async () => {
    // Fail, not skip: a missing producer must not pass as a proof of interoperability.
    if (spawnSync('kcat', ['-V']).status !== 0) throw new Error(KCAT_MISSING);
    kanshi = await startKanshi();
    brokers = kanshi.config.values.kafkaBrokers.join(',');
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('kcat'));
    await kanshi.engineKnowsTenant(tenant.tenantId);
  });

  afterAll(async () => {
    await kanshi?.stop();
  });

  it('evaluates kcat\'s events in every compression codec, dead-letters its malformed line, and partitions keys as Kanshi does', async () => {
    const fuzzer = new TelemetryFuzzer(seed, {
      tenantId: tenant.tenantId,
      unknownTenantId: uniqueId('nobody'),
      ingestKey: tenant.ingestKey,
      maxEventBytes: kanshi.config.values.maxEventBytes,
      maxHugeBytes: 0,
    });
    const models = Array.from({ length: 9 }, (_, i) => `kcat-model-${i}`);
    const codecs = ['none', 'gzip', 'lz4', 'snappy', 'zstd'] as const;
    const events = new Map<string, TelemetryEvent[]>(codecs.map((codec) => [codec, Array.from({ length: 4 }, () => fuzzer.validEvent(fuzzer.random.pick(models)))]));
    const badKey = telemetryKey(tenant.tenantId, 'kcat-bad');
    const since = Date.now() - 1000;
    // kcat signs in as the producers' principal, which may only write telemetry.
    const producerSasl = kcatSasl(process.env['KANSHI_TEST_LOCAL_KAFKA'] === '1' ? (localKafkaSasl('kanshi-producer') ?? {}) : process.env);
    const credential = parseIngestKey(tenant.ingestKey)!;
    /** One record per kcat run: kcat's -H puts the same headers on every record it sends, and each signature is the record's own. */
    const produce = (key: string, value: string, compression: readonly string[]) =>
      kcat(
        ['-P', '-b', brokers, '-t', TOPICS.telemetry, '-K', '\t', '-X', 'partitioner=murmur2_random', ...producerSasl, '-H', `${SIGNATURE_HEADER}=${signTelemetryRecord(credential, key, value)}`, ...compression],
        `${key}\t${value}\n`,
      );

    const tap: DeadLetterTap = await tapDeadLetters(kanshi.kafka, kanshi.config.values.engineGroupId);
    try {
      for (const [codec, batch] of events) {
        const compression = codec === 'none' ? [] : ['-z', codec];
        for (const e of batch) await produce(telemetryKey(e.tenant_id, e.model_id), JSON.stringify(e), compression);
        // One record is not JSON (but signed): dead-lettered with its reason.
        if (codec === 'lz4') await produce(badKey, '{"event_type": "prediction", "tenant_id": ', compression);
      }

      const all = [...events.values()].flat();
      const expected = expectedTally(all);
      expect(await waitForAlertTally(kanshi.dataSource, tenant.tenantId, 'G1', expected)).toEqual(expected);

      await groupCaughtUp(kanshi.kafka, kanshi.config.values.engineGroupId, TOPICS.telemetry);
      await tap.caughtUp();
      const dead = tap.records.filter((d) => d.key?.startsWith(`${tenant.tenantId}:`));
      expect(dead.map((d) => ({ key: d.key, reason: d.reason, topic: d.originalTopic }))).toEqual([{ key: badKey, reason: 'NOT_JSON', topic: TOPICS.telemetry }]);

      // Where kcat put each record (read back with kcat) is where kafkajs's partitioner puts its key.
      const readBack = (await kcat(['-C', '-b', brokers, '-t', TOPICS.telemetry, ...kcatSasl(process.env), '-o', `s@${since}`, '-e', '-q', '-f', '%k\t%p\n']))
        .split('\n')
        .map((row) => row.split('\t'))
        .filter(([key]) => key?.startsWith(`${tenant.tenantId}:`))
        .map(([key, partition]) => ({ key: key as string, partition: Number(partition) }));
      expect(readBack).toHaveLength(all.length + 1);
      const admin = kanshi.kafka.admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [TOPICS.telemetry] }).finally(() => admin.disconnect());
      const partitionMetadata = metadata.topics[0]?.partitions ?? [];
      const partitioner = TELEMETRY_PARTITIONER();
      const kanshiPartition = (key: string) => partitioner({ topic: TOPICS.telemetry, partitionMetadata, message: { key, value: null } });
      expect(readBack.map(({ key, partition }) => ({ key, partition }))).toEqual(readBack.map(({ key }) => ({ key, partition: kanshiPartition(key) })));
      expect(new Set(readBack.map((r) => r.partition)).size).toBeGreaterThan(1);
      expect(dead[0]?.originalPartition).toBe(kanshiPartition(badKey));
    } finally {
      await tap.stop();
    }
  });
});
