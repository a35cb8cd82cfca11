import { randomBytes } from 'node:crypto';
import { CompressionTypes, type Message } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import type { AppConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, ensureTopics, kanshiTopics, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createDataSource } from '@kanshi/persistence';
import { TRACEPARENT } from '@kanshi/runtime';
import { createTenantFixture, signedMessage } from '@kanshi/testing';
import { MIX_STEP_MS, TelemetryMix } from '../telemetry-mix';
import { every, formatInt, withAdmin } from './bench-support';
import type { BenchDataset, PartitionRange } from './scenario';

/** Events per produce request: about 2.4 MB of JSON, a few hundred kB gzipped per partition (under the broker's 1 MiB per batch). */
const PRODUCE_CHUNK = 5000;

/**
 * Share of the data set's records whose `traceparent` has the sampled flag (`01`), as a producer
 * sampling 1 % of its traces sends them; the rest carry `00`. Every {@link TRACED_EVERY}th record
 * (index 0, 100, 200 …): the same records in every run, whatever the ids.
 */
export const TRACED_SHARE = 0.01;
export const TRACED_EVERY = Math.round(1 / TRACED_SHARE);

/** Records of a data set of `events` whose `traceparent` is sampled. */
export function sampledRecords(events: number): number {
  return Math.ceil(events / TRACED_EVERY);
}

/** Bytes of one `traceparent` value: `00-<32 hex>-<16 hex>-<2 hex>`. */
const TRACEPARENT_BYTES = 55;
/** Random bytes per record: a 16-byte trace id and an 8-byte parent span id. */
const TRACE_ID_BYTES = 24;

/**
 * W3C `traceparent` values for the records from `index` on, as a producer propagating trace
 * context makes them: random ids (from one read per chunk), sampled on every {@link TRACED_EVERY}th.
 */
function traceparents(index: number, count: number): string[] {
  const hex = randomBytes(TRACE_ID_BYTES * count).toString('hex');
  const values: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = i * TRACE_ID_BYTES * 2;
    const flags = (index + i) % TRACED_EVERY === 0 ? '01' : '00';
    values.push(`00-${hex.slice(at, at + 32)}-${hex.slice(at + 32, at + 48)}-${flags}`);
  }
  return values;
}

/** The run's bench tenants: the mix's four tenant roles, named after the run so rows never collide. */
export function benchTenants(runId: string): string[] {
  return ['bank-a', 'bank-b', 'hospital-c', 'media-d'].map((t) => `${runId}-${t}`);
}

/**
 * Creates the run's tenants (with their API keys and an ingest key each) and every model of the
 * mix in the inventory; returns each tenant's ingest key, which signs its records.
 */
export async function seedBenchTenants(config: AppConfig, runId: string, mix: TelemetryMix): Promise<Map<string, string>> {
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-bench');
  await dataSource.initialize();
  const ingestKeys = new Map<string, string>();
  try {
    for (const tenantId of mix.tenants) {
      const models = mix.fleet.filter((m) => m.profile.tenantId === tenantId).map((m) => m.profile);
      ingestKeys.set(tenantId, (await createTenantFixture(dataSource, tenantId, models)).ingestKey);
    }
  } finally {
    await dataSource.destroy();
  }
  return ingestKeys;
}

export interface DatasetOptions {
  readonly config: AppConfig;
  readonly runId: string;
  readonly events: number;
  readonly log: (message: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Seeds the bench tenants, then appends `events` events of the mix, each signed with its
 * tenant's ingest key as a producer signs it and carrying a `traceparent` header (sampled on
 * {@link TRACED_SHARE} of them; the signature covers key and value, not headers), to the real telemetry topic
 * (the engine reads only that one) and notes each partition's offsets before and after.
 * Produced in requests of {@link PRODUCE_CHUNK}, gzip (as Kanshi's own producer), acks=-1
 * (on a one-broker cluster the same wait as acks=1), one request in flight so the order per
 * model is the generator's, the next chunk generated while the previous one is sent.
 */
export async function prepareDataset(options: DatasetOptions): Promise<BenchDataset> {
  const { config, runId, events, log, signal } = options;
  const seedStarted = Date.now();
  // Event time ends about now (a mean step per event), as telemetry of the last hours would:
  // the engine's clocks then never jump months when it reaches the end of the log.
  const eventStart = Date.now() - events * MIX_STEP_MS;
  const mix = new TelemetryMix({ tenants: benchTenants(runId), eventIdPrefix: runId, start: eventStart });
  const ingestKeys = await seedBenchTenants(config, runId, mix);
  const seedMs = Date.now() - seedStarted;
  log(`data set: ${mix.tenants.length} bench tenants and ${mix.fleet.length} models in the inventory (${seedMs} ms)`);

  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-${runId}`);
  await ensureTopics(kafka, kanshiTopics(config.values.telemetryPartitions));
  const topic = TOPICS.telemetry;
  const before = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  let produced = 0;
  let valueBytes = 0;
  const started = Date.now();
  const stopProgress = every(3000, () => {
    const seconds = (Date.now() - started) / 1000;
    log(`data set: ${formatInt(produced)} / ${formatInt(events)} events produced (${formatInt(produced / seconds)} events/s)`);
  });
  try {
    let sending: Promise<unknown> = Promise.resolve();
    for (let offset = 0; offset < events; offset += PRODUCE_CHUNK) {
      signal.throwIfAborted();
      const chunk = mix.next(Math.min(PRODUCE_CHUNK, events - offset));
      const traces = traceparents(offset, chunk.length);
      const messages = chunk.map((event, i): Message => {
        const message = signedMessage(ingestKeys.get(event.tenant_id) ?? '', event);
        valueBytes += Buffer.byteLength(message.value as string);
        return { ...message, headers: { ...message.headers, [TRACEPARENT]: traces[i] as string } };
      });
      await sending;
      sending = producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages }).then(() => (produced += messages.length));
    }
    await sending;
  } finally {
    stopProgress();
    await producer.disconnect();
  }
  const produceMs = Date.now() - started;
  const after = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const partitions: PartitionRange[] = after.map((p) => ({
    partition: p.partition,
    start: before.find((b) => b.partition === p.partition)?.high ?? p.low,
    end: p.high,
  }));
  const inRanges = partitions.reduce((sum, r) => sum + Number(BigInt(r.end) - BigInt(r.start)), 0);
  log(`data set: ${formatInt(events)} events on ${topic} in ${(produceMs / 1000).toFixed(1)} s (${formatInt((events * 1000) / produceMs)} events/s), mean ${Math.round(valueBytes / events)} bytes`);
  if (inRanges !== events) log(`data set: the ranges hold ${formatInt(inRanges)} records: another producer wrote to ${topic} meanwhile`);
  return {
    topic,
    events,
    meanValueBytes: valueBytes / events,
    tenants: mix.tenants,
    partitions,
    violating: mix.violating,
    settings: {
      datasetEvents: events,
      datasetRecordsInRanges: inRanges,
      datasetTopic: topic,
      datasetPartitions: partitions.length,
      datasetModels: mix.fleet.length,
      datasetTenants: mix.tenants.join(','),
      datasetViolating: mix.violating,
      datasetEventTime: `from ${new Date(eventStart).toISOString()}, ${MIX_STEP_MS} ms per event on average`,
      datasetMeanValueBytes: Math.round(valueBytes / events),
      datasetTraceparent: `a W3C traceparent header on every record (${TRACEPARENT_BYTES} bytes before gzip), sampled (flag 01) on 1 in ${TRACED_EVERY} (${sampledRecords(events)} records), 00 on the rest; followed only by an engine with tracing on`,
      producerAcks: '-1 (all; one broker, so the same as 1)',
      producerCompression: 'gzip',
      producerRequestEvents: PRODUCE_CHUNK,
      produceSeconds: Math.round(produceMs / 100) / 10,
      seedSeconds: Math.round(seedMs / 100) / 10,
    },
  };
}
