import { Client } from 'pg';
import { CompressionTypes, type Producer } from 'kafkajs';
import { TELEMETRY_SCHEMA_VERSION, TOPICS, validateTelemetryEvent, type TelemetryEvent } from '@kanshi/contracts';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { deleteQueueKeys, signedMessage } from '@kanshi/testing';
import { TelemetryMix } from '../telemetry-mix';
import { benchTenants, seedBenchTenants } from './bench-dataset';
import { deleteGroups, every, formatInt, quantile, round, setGroupOffsets, sleep, withAdmin } from './bench-support';
import { startApp, type RunningApp } from './child-app';
import { jobTimings, latencyParts } from './job-timings';
import { ENGINE_READY, engineEnv, WORKER_READY } from './engine-run';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';

const RATES = [2000, 10_000] as const;
const SLICE_MS = 100;
/** The goals for p99, ms, by rate. */
const P99_GOALS: Readonly<Record<number, number>> = { 2000: 100, 10_000: 250 };

interface Timing {
  readonly seconds: number;
  readonly violations: number;
}

/** Quick mode: enough to see the harness work. Full: ~15 s per rate, a few hundred new alerts each. */
const timing = (quick: boolean): Timing => (quick ? { seconds: 3, violations: 60 } : { seconds: 15, violations: 300 });
const WARMUP = (quick: boolean) => ({ seconds: quick ? 1 : 3, rate: 2000, violations: quick ? 5 : 20 });

/** A prediction of a model nobody registered: rule G1 raises one new alert per model id. */
function g1Event(runId: string, tenantId: string, modelId: string): TelemetryEvent {
  return {
    schema_version: TELEMETRY_SCHEMA_VERSION,
    event_id: `${runId}-${modelId}`,
    event_type: 'prediction',
    // Set again at send: the latency starts at the producer's clock.
    timestamp: new Date().toISOString(),
    tenant_id: tenantId,
    model_id: modelId,
    model_version: '1.0.0',
    environment: 'production',
    jurisdiction: 'JP',
    payload: { input_hash: 'bench', score: 0.5, decision_impact: 'low' },
  };
}

interface PhaseResult {
  readonly sent: number;
  readonly seconds: number;
  /** Model id → the producer's timestamp (epoch ms) of its one G1 event. */
  readonly sentAt: ReadonlyMap<string, number>;
}

/**
 * Produces `rate` events/s for `seconds` in slices of {@link SLICE_MS}: the mix (live event time)
 * with `violations` G1 events spread evenly, each stamped just before its slice is sent.
 */
async function producePaced(
  producer: Producer,
  mix: TelemetryMix,
  options: {
    runId: string;
    tenantId: string;
    /** Each tenant's ingest key: every record is signed, as a producer signs it. */
    ingestKeys: ReadonlyMap<string, string>;
    rate: number;
    seconds: number;
    violations: number;
    modelPrefix: string;
    signal: AbortSignal;
  },
): Promise<PhaseResult> {
  const { rate, seconds, violations, signal } = options;
  const slices = Math.round((seconds * 1000) / SLICE_MS);
  const perSlice = Math.round((rate * SLICE_MS) / 1000);
  const sentAt = new Map<string, number>();
  let sent = 0;
  const started = Date.now();
  for (let k = 0; k < slices; k += 1) {
    signal.throwIfAborted();
    const due = started + k * SLICE_MS;
    if (due > Date.now()) await sleep(due - Date.now(), signal);
    const g1Count = Math.floor(((k + 1) * violations) / slices) - Math.floor((k * violations) / slices);
    const events = mix.next(perSlice - g1Count);
    const now = Date.now();
    const timestamp = new Date(now).toISOString();
    for (let i = 0; i < g1Count; i += 1) {
      const modelId = `${options.modelPrefix}-${sentAt.size}`;
      events.push({ ...g1Event(options.runId, options.tenantId, modelId), timestamp });
      sentAt.set(modelId, Date.parse(timestamp));
    }
    await producer.send({
      topic: TOPICS.telemetry,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: events.map((e) => signedMessage(options.ingestKeys.get(e.tenant_id) ?? '', e)),
    });
    sent += events.length;
  }
  return { sent, seconds: (Date.now() - started) / 1000, sentAt };
}

/** Waits until every model id has its G1 alert row; returns created_at (epoch ms) by model id. */
async function waitForAlerts(db: Client, tenantId: string, modelIds: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await db.query<{ model_id: string; created_ms: number }>(
      `SELECT model_id, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM alerts WHERE tenant_id = $1 AND rule_id = 'G1' AND model_id = ANY($2)`,
      [tenantId, modelIds],
    );
    const rows = new Map(result.rows.map((r) => [r.model_id, Number(r.created_ms)]));
    if (rows.size >= modelIds.length || Date.now() > deadline) return rows;
    await sleep(250, signal);
  }
}

/** p50 and p99 of `values` (ms), as figures named `<what> p50|p99 at <label>`. */
function split(values: number[], what: string, label: string): Figure[] {
  values.sort((a, b) => a - b);
  return [
    { name: `${what} p50 at ${label}`, value: round(quantile(values, 0.5), 1), unit: 'ms' },
    { name: `${what} p99 at ${label}`, value: round(quantile(values, 0.99), 1), unit: 'ms' },
  ];
}

/**
 * (4) Latency: the built engine and alert worker on a queue prefix of the run, caught up with the
 * topic; events produced at fixed rates, some of them new G1 violations. Latency: the event's
 * `timestamp` (set by the producer at send) to `created_at` of its alert row in PostgreSQL.
 * Also (7): peak RSS of both apps.
 */
export const latencyScenario: Scenario = {
  id: 'latency',
  title: 'Latency: producer timestamp to alert row in PostgreSQL, at fixed rates',
  deadlineMs: ({ quick }) => (quick ? 150_000 : 360_000),
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { config, runId, signal, quick } = context;
    const log = (message: string) => context.log(message);
    const phase = timing(quick);
    const warmup = WARMUP(quick);
    const tenantPrefix = `${runId}-lat`;
    const mix = new TelemetryMix({ tenants: benchTenants(tenantPrefix), eventIdPrefix: tenantPrefix, clock: Date.now });
    const ingestKeys = await seedBenchTenants(config, tenantPrefix, mix);
    const tenantId = mix.tenants[0] as string;
    const probe = validateTelemetryEvent(g1Event(runId, tenantId, 'probe'));
    if (!probe.ok) throw new Error(`the latency scenario's G1 event breaks the telemetry contract: ${JSON.stringify(probe)}`);

    const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-latency`);
    const groupId = `${runId}-latency`;
    const queuePrefix = `${runId}-latency`;
    const apps: RunningApp[] = [];
    const producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, allowAutoTopicCreation: false, idempotent: false });
    const db = new Client({ connectionString: config.values.databaseUrl, application_name: 'kanshi-bench' });
    const notes: string[] = [];
    try {
      // Caught up from the start: the group begins at the topic's end, so only what is produced here is read.
      await withAdmin(kafka, async (admin) => {
        const ends = await admin.fetchTopicOffsets(TOPICS.telemetry);
        await setGroupOffsets(admin, groupId, TOPICS.telemetry, ends.map((p) => ({ partition: p.partition, offset: p.high })));
      });
      const env = engineEnv(groupId, queuePrefix);
      const engine = startApp('policy-engine', 'latency engine', env);
      const worker = startApp('alert-worker', 'latency alert worker', env);
      apps.push(engine, worker);
      await Promise.all([engine.waitForOutput(ENGINE_READY, 90_000, signal), worker.waitForOutput(WORKER_READY, 90_000, signal)]);
      await Promise.all([producer.connect(), db.connect()]);

      log(`latency: warm-up, ${warmup.seconds} s at ${formatInt(warmup.rate)} events/s`);
      const warm = await producePaced(producer, mix, { runId, tenantId, ingestKeys, rate: warmup.rate, seconds: warmup.seconds, violations: warmup.violations, modelPrefix: 'g1-warmup', signal });
      await waitForAlerts(db, tenantId, [...warm.sentAt.keys()], 30_000, signal);

      const figures: Figure[] = [];
      const settings: Record<string, string | number | boolean> = {
        rates: RATES.join(','),
        secondsPerRate: phase.seconds,
        newAlertsPerRate: phase.violations,
        sliceMs: SLICE_MS,
        warmupSeconds: warmup.seconds,
        producer: 'kafkajs, one send per slice, acks=-1, gzip',
        consumerGroup: groupId,
        queuePrefix,
        workerConcurrency: config.values.workerConcurrency,
      };
      for (const rate of RATES) {
        log(`latency: ${phase.seconds} s at ${formatInt(rate)} events/s with ${phase.violations} new G1 alerts`);
        const stopProgress = every(3000, () => log(`latency: producing at ${formatInt(rate)} events/s; engine ${Math.round(engine.peakRssMb())} MB, worker ${Math.round(worker.peakRssMb())} MB peak`));
        let produced: PhaseResult;
        try {
          produced = await producePaced(producer, mix, { runId, tenantId, ingestKeys, rate, seconds: phase.seconds, violations: phase.violations, modelPrefix: `g1-${rate}`, signal });
        } finally {
          stopProgress();
        }
        const created = await waitForAlerts(db, tenantId, [...produced.sentAt.keys()], 60_000, signal);
        const latencies = [...produced.sentAt].flatMap(([model, at]) => {
          const row = created.get(model);
          return row === undefined ? [] : [row - at];
        });
        latencies.sort((a, b) => a - b);
        const missing = produced.sentAt.size - latencies.length;
        const jobs = await jobTimings(config.values.redisUrl, queuePrefix, (job) => (job.rule_id === 'G1' && produced.sentAt.has(job.model_id) ? job.model_id : undefined));
        const parts = latencyParts(produced.sentAt, jobs, created);
        const label = `${formatInt(rate)}/s`;
        figures.push(
          { name: `p50 at ${label}`, value: round(quantile(latencies, 0.5), 1), unit: 'ms' },
          { name: `p95 at ${label}`, value: round(quantile(latencies, 0.95), 1), unit: 'ms' },
          { name: `p99 at ${label}`, value: round(quantile(latencies, 0.99), 1), unit: 'ms', goal: { op: '<=', value: P99_GOALS[rate] ?? 0 } },
          { name: `max at ${label}`, value: round(latencies.at(-1) ?? Number.NaN, 1), unit: 'ms' },
          { name: `achieved rate at ${label}`, value: round(produced.sent / produced.seconds), unit: 'events/s' },
          ...split(parts.engine, 'produced→enqueued', label),
          ...split(parts.queue, 'enqueued→taken', label),
          ...split(parts.worker, 'taken→row', label),
        );
        if (missing > 0) {
          figures.push({ name: `alerts missing at ${label}`, value: missing, unit: 'alerts' });
          notes.push(`${missing} of ${produced.sentAt.size} G1 alerts at ${label} had no row 60 s after the phase: left out of the percentiles.`);
        }
        settings[`samplesAt${rate}`] = latencies.length;
      }
      figures.push(
        { name: 'engine peak RSS', value: round(engine.peakRssMb(), 1), unit: 'MB', goal: { op: '<=', value: 300 } },
        { name: 'worker peak RSS', value: round(worker.peakRssMb(), 1), unit: 'MB', goal: { op: '<=', value: 300 } },
      );
      notes.push(
        'Clock: the event timestamp is the bench process\'s Date.now() when its slice is sent; created_at is PostgreSQL\'s now() in the worker\'s transaction. Both read the same machine clock, so no skew; on separate machines the figures would include their clock offset.',
        'created_at is the start of the inserting transaction, so each figure stops a little before the commit (by the transaction\'s own time, typically a few ms).',
        'The producer\'s timestamp has millisecond resolution; percentiles are nearest-rank over the new alerts of each rate. Each new alert is the first finding of a fresh fingerprint (G1: a model not in the inventory), so it exercises the insert path, not an update.',
        'Split of each latency by the raise job\'s BullMQ timestamps: produced→enqueued is Kafka plus the engine (fetch, evaluate, addBulk); enqueued→taken is the wait in Redis until a worker slot takes it; taken→row is the worker up to its transaction start. Each split is its own distribution: the p99s do not add up to the total p99.',
        'Background load: the rest of each slice is the realistic mix (about 1% breaking rules, so the worker also updates other alerts) for bench tenants whose models are in the inventory.',
      );
      return { id: 'latency', title: this.title, figures, settings, notes };
    } finally {
      await producer.disconnect().catch(() => undefined);
      await db.end().catch(() => undefined);
      await Promise.all(apps.map((a) => a.stop()));
      notes.push(...(await deleteGroups(kafka, [groupId])));
      await deleteQueueKeys(config.values.redisUrl, queuePrefix);
    }
  },
};
