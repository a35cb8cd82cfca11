import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DEAD_LETTER_REASONS, SIGNATURE_HEADER, signTelemetryRecord, TOPICS, type IngestCredential, type RaiseAlertJob, type TelemetryEvent } from '@kanshi/contracts';
import type { AppConfig } from '@kanshi/config';
import type { KafkaBatch, KafkaProducer } from '@kanshi/messaging';
import type { AlertQueue } from '@kanshi/queue';
import { defineRule, modelProfile, SectorModule, Type } from '@kanshi/policy-sdk';
import { telemetryEvent } from '@kanshi/testing';
import { ConsumerProgress } from './consumer-progress';
import { EngineMetrics } from './engine-metrics';
import { EngineQuotas } from './engine-quotas';
import { StaticIngestKeyring } from './ingest-keyring';
import type { InventoryCache } from './inventory-cache.service';
import { StaticModelInventory } from './model-inventory';
import { PartitionClocks } from './partition-clocks';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';
import type { RuleCheckpoints } from './rule-checkpoints';
import { SectorModuleRegistry } from './sector-module-registry';
import { TelemetryBatchProcessor, type TelemetryRecord } from './telemetry-batch.processor';
import { TelemetryConsumer } from './telemetry.consumer';

/** Fires on every event of a model outside the inventory. */
const unregistered = defineRule({
  id: 'U1',
  title: 'Unregistered model',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'high',
  reads: 'all',
  args: Type.Object({}),
  evaluate: ({ event, model }) => (model === undefined ? { observed: event.model_id } : undefined),
});

/** Sets a timer a second after each event of a model in the inventory, and reports when it fires. */
const late = defineRule({
  id: 'T1',
  title: 'Timer',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'low',
  reads: ['prediction'],
  args: Type.Object({}),
  initialState: () => ({}),
  evaluate: ({ time, timers }) => {
    timers.set('late', time + 1000);
    return undefined;
  },
  onTimer: ({ timer }) => ({ observed: timer.at, occurrence: String(timer.at) }),
});

/** Fires on every incident of a finance model. */
const incident = defineRule({
  id: 'F1',
  title: 'Incident',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'medium',
  reads: ['incident'],
  args: Type.Object({}),
  evaluate: ({ event }) => ({ observed: event.event_id }),
});

@SectorModule({ id: 'test-general', description: 'Test', sectors: 'all', rules: [unregistered, late], compatibility: '^0.2.0' })
class GeneralModule {}

@SectorModule({ id: 'test-finance', description: 'Test', sectors: ['finance'], rules: [incident], compatibility: '^0.2.0' })
class FinanceModule {}

const KEY: IngestCredential = { keyId: 'aaaaaaaaaaaa', secret: 'a'.repeat(43) };
const keyring = new StaticIngestKeyring([{ ...KEY, tenantId: 'acme' }]);
const known = modelProfile({ tenantId: 'acme', modelId: 'known', sectors: ['finance'] });

function event(modelId: string, overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return telemetryEvent({ tenant_id: 'acme', model_id: modelId, timestamp: '2026-12-01T00:00:00.000Z', ...overrides });
}

function incidentOf(modelId: string, eventId: string): TelemetryEvent {
  const payload = { incident_id: `INC-${eventId}`, type: 'breach', severity: 'high', awareness_time: '2026-12-01T00:00:00.000Z' };
  return event(modelId, { event_id: eventId, event_type: 'incident', payload });
}

/** A batch of `values` (events, or raw text) on `partition` from `firstOffset`, with the log end `behind` records after it. */
function batchOf(partition: number, values: readonly (TelemetryEvent | string)[], firstOffset = 100, behind = 0): KafkaBatch {
  const records = values.map((value, i): TelemetryRecord => {
    const key = typeof value === 'string' ? 'acme:known' : `acme:${value.model_id}`;
    const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    const keyBytes = Buffer.from(key);
    return {
      topic: TOPICS.telemetry,
      partition,
      offset: String(firstOffset + i),
      key: keyBytes,
      value: bytes,
      headers: { [SIGNATURE_HEADER]: Buffer.from(signTelemetryRecord(KEY, keyBytes, bytes)) },
    };
  });
  return {
    topic: TOPICS.telemetry,
    partition,
    records,
    highWatermark: String(firstOffset + values.length + behind),
    assignment: 1,
    partitionCount: undefined,
    heartbeat: () => Promise.resolve(),
  };
}

function setup() {
  const registry = new Registry();
  const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([GeneralModule, FinanceModule]));
  // One model outside the inventory a day: the second is refused.
  const quotas = new EngineQuotas({ eventsPerMinute: 1_000_000, unregisteredModelsPerDay: 1 });
  const processor = new TelemetryBatchProcessor(evaluator, new StaticModelInventory([known]), 4096, keyring, quotas);
  const progress = new ConsumerProgress();
  const clocks = new PartitionClocks();
  const metrics = new EngineMetrics(registry, evaluator, progress, clocks);
  const redis = { up: true };
  const enqueued: RaiseAlertJob[] = [];
  const alerts = {
    enqueue: (jobs: readonly RaiseAlertJob[]) => (redis.up ? Promise.resolve(void enqueued.push(...jobs)) : Promise.reject(new Error('Redis is away'))),
  } as unknown as AlertQueue;
  const producer = { send: () => Promise.resolve() } as unknown as KafkaProducer;
  const inventory = {
    refreshIfOlderThan: () => Promise.resolve(false),
    recordDeployments: () => Promise.resolve(),
    recordTelemetrySeen: () => Promise.resolve(),
    recordRuleVerdicts: () => Promise.resolve(),
  } as unknown as InventoryCache;
  const config = { values: { engineGroupId: 'kanshi-policy-engine', maxEventBytes: 4096 } } as unknown as AppConfig;
  const checkpoints = {
    resume: () => Promise.resolve(null),
    marksOf: () => new Map(),
    save: () => Promise.resolve(),
    invalidate: jest.fn(),
  } as unknown as RuleCheckpoints;
  const consumer = new TelemetryConsumer(processor, producer, alerts, inventory, config, checkpoints, clocks, metrics, progress);
  return { registry, evaluator, metrics, consumer, redis, enqueued, clocks, progress };
}

/** The samples of one metric (of a histogram, its counts), by their label values joined with commas. */
async function samples(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  const values = metric.values as { value: number; labels: Record<string, string | number>; metricName?: string }[];
  return Object.fromEntries(
    values.filter((v) => v.metricName === undefined || v.metricName === `${name}_count`).map((v) => [Object.values(v.labels).join(','), v.value]),
  );
}

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('EngineMetrics', () => {
  it('shows every label value it knows from the start, at 0', async () => {
    const { registry } = setup();

    expect(await samples(registry, 'kanshi_engine_dead_letters_total')).toEqual(Object.fromEntries(DEAD_LETTER_REASONS.map((r) => [r, 0])));
    expect(await samples(registry, 'kanshi_engine_findings_total')).toEqual({ U1: 0, T1: 0, F1: 0, Q1: 0 });
    expect(await samples(registry, 'kanshi_quota_refusals_total')).toEqual({ 'events-per-minute': 0, 'unregistered-models-per-day': 0 });
    expect(await samples(registry, 'kanshi_engine_module_evaluation_seconds_total')).toEqual({ 'test-general': 0, 'test-finance': 0 });
    expect(await samples(registry, 'kanshi_engine_batch_duration_seconds')).toEqual({ ok: 0, failed: 0 });
    expect(await samples(registry, 'kanshi_engine_records_consumed_total')).toEqual({ '': 0 });
    expect(await samples(registry, 'kanshi_engine_partitions_assigned')).toEqual({ '': 0 });
    expect(await samples(registry, 'kanshi_engine_consumer_lag')).toEqual({});
  });

  it('counts what a batch read, evaluated, refused and found, and where its partition stands', async () => {
    const { registry, consumer } = setup();
    consumer.onAssignment({ assignment: 1, member: true, partitions: { [TOPICS.telemetry]: [2] } });

    await consumer.onBatch(
      batchOf(
        2,
        [
          event('ghost', { event_id: 'g1' }),
          event('ghost', { event_id: 'g2' }),
          event('ghost', { event_id: 'g3' }),
          incidentOf('known', 'i1'),
          '{oops',
          // A second model outside the inventory in a day: over the quota (and its Q1 finding).
          event('another-ghost', { event_id: 'a1' }),
        ],
        100,
        7,
      ),
    );

    expect(await samples(registry, 'kanshi_engine_records_consumed_total')).toEqual({ '': 6 });
    expect(await samples(registry, 'kanshi_engine_events_evaluated_total')).toEqual({ '': 4 });
    expect(await samples(registry, 'kanshi_engine_dead_letters_total')).toMatchObject({ NOT_JSON: 1, QUOTA_EXCEEDED: 1, SCHEMA_INVALID: 0 });
    expect(await samples(registry, 'kanshi_quota_refusals_total')).toEqual({ 'events-per-minute': 0, 'unregistered-models-per-day': 1 });
    expect(await samples(registry, 'kanshi_engine_findings_total')).toEqual({ U1: 3, T1: 0, F1: 1, Q1: 1 });
    expect(await samples(registry, 'kanshi_engine_consumer_lag')).toEqual({ '2': 7 });
    expect(await samples(registry, 'kanshi_engine_batch_duration_seconds')).toEqual({ ok: 1, failed: 0 });
    expect(await samples(registry, 'kanshi_engine_checkpoint_duration_seconds')).toEqual({ '': 1 });
  });

  it('counts a failed attempt only as a failed batch: its retry counts the records once', async () => {
    const { registry, consumer, redis } = setup();
    const batch = batchOf(0, [event('ghost', { event_id: 'g1' })]);

    redis.up = false;
    await expect(consumer.onBatch(batch)).rejects.toThrow();
    expect(await samples(registry, 'kanshi_engine_batch_duration_seconds')).toEqual({ ok: 0, failed: 1 });
    expect(await samples(registry, 'kanshi_engine_records_consumed_total')).toEqual({ '': 0 });
    expect(await samples(registry, 'kanshi_engine_findings_total')).toMatchObject({ U1: 0 });

    redis.up = true;
    await consumer.onBatch(batch);
    expect(await samples(registry, 'kanshi_engine_batch_duration_seconds')).toEqual({ ok: 1, failed: 1 });
    expect(await samples(registry, 'kanshi_engine_records_consumed_total')).toEqual({ '': 1 });
    expect(await samples(registry, 'kanshi_engine_findings_total')).toMatchObject({ U1: 1 });
  });

  it('reports the lag of the partitions this instance holds, and drops a partition taken away', async () => {
    const { registry, consumer, clocks } = setup();
    consumer.onAssignment({ assignment: 1, member: true, partitions: { [TOPICS.telemetry]: [0, 1], 'another.topic': [0, 1, 2] } });
    expect(await samples(registry, 'kanshi_engine_partitions_assigned')).toEqual({ '': 2 });

    await consumer.onBatch(batchOf(0, [event('ghost')], 10, 5));
    await consumer.onBatch(batchOf(1, [event('ghost')], 20, 0));
    expect(await samples(registry, 'kanshi_engine_consumer_lag')).toEqual({ '0': 5, '1': 0 });

    // Records arrive while no batch goes through (a batch hangs, or fails): the lag grows with
    // the log ends the rule clock reads, not only at the end of a batch.
    clocks.observeLogEnds(new Map([[0, 40n], [1, 21n]]));
    expect(await samples(registry, 'kanshi_engine_consumer_lag')).toEqual({ '0': 29, '1': 0 });

    // A rebalance leaves this instance partition 1 only; a batch of partition 0 still in flight then ends.
    consumer.onAssignment({ assignment: 2, member: true, partitions: { [TOPICS.telemetry]: [1] } });
    await consumer.onBatch(batchOf(0, [event('ghost')], 11, 9));
    expect(await samples(registry, 'kanshi_engine_consumer_lag')).toEqual({ '1': 0 });
    expect(await samples(registry, 'kanshi_engine_partitions_assigned')).toEqual({ '': 1 });

    // Stopped: nothing held, no lag.
    consumer.onAssignment({ assignment: 2, member: false, partitions: {} });
    expect(await samples(registry, 'kanshi_engine_consumer_lag')).toEqual({});
    expect(await samples(registry, 'kanshi_engine_partitions_assigned')).toEqual({ '': 0 });
  });

  it("adds up each module's time and the findings of rule timers at each scrape", async () => {
    const { registry, evaluator } = setup();
    // Every event timed (one in eight is, at random).
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const time = Date.parse('2026-12-01T00:00:00Z');
    for (let i = 0; i < 20; i += 1) {
      evaluator.evaluate(event('known', { event_id: `p${i}` }), known, new FindingCollector(), 0);
      evaluator.evaluate(incidentOf('known', `i${i}`), known, new FindingCollector(), 0);
    }
    evaluator.tick(time + 5000, () => known, new FindingCollector());

    const spent = await samples(registry, 'kanshi_engine_module_evaluation_seconds_total');
    expect(spent['test-general']).toBeGreaterThan(0);
    expect(spent['test-finance']).toBeGreaterThan(0);
    expect(await samples(registry, 'kanshi_engine_findings_total')).toMatchObject({ T1: 1 });
    // Taken once: the next scrape adds only what came since.
    expect(await samples(registry, 'kanshi_engine_module_evaluation_seconds_total')).toEqual(spent);
    expect(await samples(registry, 'kanshi_engine_findings_total')).toMatchObject({ T1: 1 });
  });
});
