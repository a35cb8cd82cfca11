import { logLevel, type Kafka } from 'kafkajs';
import { parseIngestKey, parseTelemetrySignature, SIGNATURE_HEADER, TOPICS, verifyTelemetryMac, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createTopic, deleteTopics, readTopic, recordCount, uniqueId } from '@kanshi/testing';
import { eventBuilders } from './event-builders';
import { kafkaSecurityFromEnv } from './kafka-security';
import { TelemetryClient, type DeliveryReport } from './telemetry-client';

const PARTITIONS = 3;
/** An ingest key of the form Kanshi issues; these topics are not the engine's, so any key will do. */
const INGEST_KEY = `kanshi_ingest_0123456789ab_${'k'.repeat(43)}`;
const quiet = { warn: () => undefined, error: () => undefined };

/** The partition Kanshi's own producers choose for a key (Java-compatible murmur2). */
function kanshiPartition(topic: string, key: string): number {
  const partitioner = TELEMETRY_PARTITIONER();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, id) => ({ partitionId: id, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

describe('Kafka transport (real Kafka, temporary topics)', () => {
  const connection = kafkaConnectionOf(loadConfig());
  const { brokers } = connection;
  // The test principal's TLS and SASL settings, as a producer outside Kanshi would pass them.
  const kafkaOptions = { brokers, ingestKey: INGEST_KEY, ...kafkaSecurityFromEnv(process.env) };
  const topics: string[] = [];
  let kafka: Kafka;

  beforeAll(() => {
    kafka = createKafkaClient(connection, uniqueId('telemetry-client-int'));
    kafka.logger().setLogLevel(logLevel.ERROR);
  });

  afterAll(async () => {
    if (topics.length > 0) await deleteTopics(kafka, topics);
  });

  async function topic(): Promise<string> {
    const name = uniqueId('test.telemetry-client');
    topics.push(name);
    await createTopic(kafka, name, PARTITIONS);
    return name;
  }

  it("delivers every event exactly once, keyed tenant:model, on the partition Kanshi's producers choose, in order per model", async () => {
    const target = await topic();
    const tenant = uniqueId('tenant');
    const client = new TelemetryClient({ kafka: { ...kafkaOptions, topic: target, logLevel: 'nothing' }, batch: { maxEvents: 25, lingerMs: 5 }, logger: quiet });
    const models = ['credit', 'triage', 'recommender', 'fraud', 'churn'];
    // The tenant id is random: with one more model where all five happen to share a partition
    // (about 1 % of runs), the events always cover more than one.
    while (new Set(models.map((m) => kanshiPartition(target, `${tenant}:${m}`))).size < 2) models.push(`extra-${models.length}`);
    const sent: TelemetryEvent[] = [];
    const reports: Promise<DeliveryReport>[] = [];
    for (let i = 0; i < 120; i += 1) {
      const events = eventBuilders({ tenant_id: tenant, model_id: models[i % models.length] ?? 'credit' });
      const event = events.prediction({ payload: { score: i / 120, segment: `s-${i}` } });
      sent.push(event);
      reports.push(client.send(event));
    }
    expect(await client.close()).toEqual({ accepted: 120, rejected: 0, failed: 0 });
    expect((await Promise.all(reports)).every((r) => r.status === 'accepted')).toBe(true);

    expect(await recordCount(kafka, target)).toBe(120);
    const records = await readTopic(kafka, target, 120, uniqueId('telemetry-client-read'));
    expect(records).toHaveLength(120);
    const byId = new Map(records.map((r) => [(JSON.parse(r.value) as TelemetryEvent).event_id, r]));
    expect(byId.size).toBe(120);
    for (const event of sent) {
      const record = byId.get(event.event_id);
      expect(record).toBeDefined();
      expect(JSON.parse(record!.value)).toEqual(event);
      expect(record!.key).toBe(`${tenant}:${event.model_id}`);
      expect(record!.partition).toBe(kanshiPartition(target, record!.key));
      // Signed with the ingest key, over the key and the value as stored.
      const signature = parseTelemetrySignature(record!.headers[SIGNATURE_HEADER]);
      expect(signature?.keyId).toBe('0123456789ab');
      expect(verifyTelemetryMac(signature!, parseIngestKey(INGEST_KEY)!.secret, record!.key, record!.value)).toBe(true);
    }
    // One model's events sit on one partition in the order they were sent.
    for (const model of models) {
      const offsets = sent.filter((e) => e.model_id === model).map((e) => byId.get(e.event_id)!.offset);
      expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    }
    expect(new Set(models.map((m) => kanshiPartition(target, `${tenant}:${m}`))).size).toBeGreaterThan(1);
  });

  it('writes to kanshi.telemetry.v1 unless told otherwise', () => {
    const client = new TelemetryClient({ kafka: kafkaOptions, logger: quiet });
    expect(client.transport.description).toBe(`kafka ${brokers.join(',')} topic ${TOPICS.telemetry}`);
  });

  it('close() delivers everything still waiting in the queue before it disconnects', async () => {
    const target = await topic();
    const tenant = uniqueId('tenant');
    const events = eventBuilders({ tenant_id: tenant, model_id: 'credit' });
    // Nothing would leave for a minute on its own.
    const client = new TelemetryClient({ kafka: { ...kafkaOptions, topic: target, logLevel: 'nothing' }, batch: { maxEvents: 10_000, lingerMs: 60_000 }, logger: quiet });
    for (let i = 0; i < 30; i += 1) void client.send(events.drift_metric({ payload: { feature: `f${i}`, metric: 'psi', value: i / 100 } }));
    expect(client.pending).toBe(30);
    expect(await client.close()).toEqual({ accepted: 30, rejected: 0, failed: 0 });
    expect(await recordCount(kafka, target)).toBe(30);
  });

  it('reports every event of a batch as failed when no broker answers, after bounded retries', async () => {
    // Nothing listens on port 1: connections are refused at once.
    const retries: number[] = [];
    const client = new TelemetryClient({
      kafka: { brokers: ['127.0.0.1:1'], ingestKey: INGEST_KEY, connectionTimeoutMs: 500, logLevel: 'nothing' },
      retry: { maxAttempts: 2, initialDelayMs: 50 },
      onRetry: (notice) => retries.push(notice.attempt),
      logger: quiet,
    });
    const events = eventBuilders({ tenant_id: 'acme', model_id: 'credit' });
    const reports = [client.send(events.prediction({ payload: { score: 0.1 } })), client.send(events.prediction({ payload: { score: 0.2 } }))];
    const started = Date.now();
    expect(await client.close()).toEqual({ accepted: 0, rejected: 0, failed: 2 });
    expect(Date.now() - started).toBeLessThan(30_000);
    const failed = await Promise.all(reports);
    expect(failed.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(failed[0]).toMatchObject({ attempts: 2, error: { message: expect.stringMatching(/gave up after 2 attempts: kafka 127\.0\.0\.1:1 topic kanshi\.telemetry\.v1: .*(ECONNREFUSED|Connection)/) } });
    expect(retries).toEqual([1]);
  });
});
