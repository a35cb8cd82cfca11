import { Client } from 'pg';
import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { TELEMETRY_SCHEMA_VERSION, TOPICS, type TelemetryEvent } from '@kanshi/contracts';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, deleteQueueKeys, signedMessage, type TenantFixture } from '@kanshi/testing';
import { committedOffsets, deleteGroups, every, formatInt, freePort, quantile, round, setGroupOffsets, sleep, withAdmin } from './bench-support';
import { startApp, type RunningApp } from './child-app';
import { jobTimings, latencyParts } from './job-timings';
import { ENGINE_READY, engineEnv, WORKER_READY } from './engine-run';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';

/** The issue's sizes; quick: enough to see the harness work. */
const sizes = (quick: boolean) =>
  quick
    ? { events: 20_000, models: 4_000, features: 2_000, baselineSeconds: 2 }
    : { events: 1_000_000, models: 200_000, features: 100_000, baselineSeconds: 10 };
/** The victim sends one critical event this often. */
const VICTIM_EVERY_MS = 100;
/** Flood records per produce request. */
const CHUNK = 5000;
/** Goals: the latency scenario's p99 at 2,000 events/s, and the engine's memory budget. */
const LATENCY_GOAL_MS = 100;
const RSS_BUDGET_MB = 300;

/** The engine's dead letters by reason, from its Prometheus endpoint (0 when it cannot be read). */
async function deadLetters(port: number): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const [, reason, value] of text.matchAll(/^kanshi_engine_dead_letters_total\{reason="([A-Z_]+)"\} (\d+)/gm)) found.set(reason as string, Number(value));
  } catch {
    // the engine was just killed, or is starting
  }
  return found;
}

/** The engine's memory by part (MB), from its Prometheus endpoint; `undefined` when it cannot be read. */
async function memoryParts(port: number): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number } | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const mb = (name: string) => Number(new RegExp(`^kanshi_${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 1_048_576;
    const parts = { rss: mb('process_resident_memory_bytes'), heapUsed: mb('nodejs_heap_size_used_bytes'), heapTotal: mb('nodejs_heap_size_total_bytes'), external: mb('nodejs_external_memory_bytes') };
    return Number.isFinite(parts.rss) ? parts : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The flood: 1M events of one tenant over 200,000 new model ids and 100,000 feature names,
 * produced as fast as one producer can, while another tenant sends a critical finding (F1: a
 * model version the inventory does not approve) ten times a second. Measured: that tenant's
 * latency from its event's timestamp to its alert row, before and during the flood; the engine's
 * peak memory; and a kill -9 of the engine halfway, with its replacement.
 */
async function run(context: BenchContext): Promise<ScenarioResult> {
  const { config, runId, signal, quick } = context;
  const log = (message: string) => context.log(message);
  const size = sizes(quick);
  const groupId = `${runId}-flood`;
  const queuePrefix = `${runId}-flood`;
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-flood`);
  const producer: Producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, allowAutoTopicCreation: false, idempotent: false });
  const victimProducer: Producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, allowAutoTopicCreation: false, idempotent: false });
  const db = new Client({ connectionString: config.values.databaseUrl, application_name: 'kanshi-bench' });
  const apps: RunningApp[] = [];
  const notes: string[] = [];

  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-bench');
  await dataSource.initialize();
  let flooder: TenantFixture;
  let victim: TenantFixture;
  try {
    flooder = await createTenantFixture(dataSource, `${runId}-flooder`, Array.from({ length: 20 }, (_, i) => ({ modelId: `fleet-${i}`, sectors: ['finance' as const], riskTier: 'T2' as const })));
    victim = await createTenantFixture(dataSource, `${runId}-victim`, [{ modelId: 'credit', sectors: ['finance'], riskTier: 'T1', approvedVersions: [{ version: '1.0.0', hash: null }] }]);
  } finally {
    await dataSource.destroy();
  }

  const port = await freePort();
  // The engine with the tenants' quotas as configured (the other scenarios lift the events quota).
  const env = { ...engineEnv(groupId, queuePrefix), KANSHI_ENGINE_HTTP_PORT: String(port), KANSHI_QUOTA_EVENTS_PER_MINUTE: String(config.values.eventsPerMinuteQuota) };
  try {
    await withAdmin(kafka, async (admin) => {
      const ends = await admin.fetchTopicOffsets(TOPICS.telemetry);
      await setGroupOffsets(admin, groupId, TOPICS.telemetry, ends.map((p) => ({ partition: p.partition, offset: p.high })));
    });
    const worker = startApp('alert-worker', 'flood alert worker', { ...env, KANSHI_ENGINE_HTTP_PORT: '0' });
    let engine = startApp('policy-engine', 'flood engine', env);
    apps.push(worker, engine);
    await Promise.all([engine.waitForOutput(ENGINE_READY, 90_000, signal), worker.waitForOutput(WORKER_READY, 90_000, signal)]);
    await Promise.all([producer.connect(), victimProducer.connect(), db.connect()]);

    // The victim: a prediction of a version nobody approved, a new one each time (a new alert each).
    const sentAt = new Map<string, number>();
    /** When the broker appended each victim event (the topic's LogAppendTime, from the produce answer). */
    const appendedAt = new Map<string, number>();
    let victimSent = 0;
    const victimEvent = (): { scope: string; message: Message } => {
      victimSent += 1;
      const version = `9.${victimSent}.0`;
      const now = Date.now();
      const scope = `served-version:${version}`;
      sentAt.set(scope, now);
      const event: TelemetryEvent = {
        schema_version: TELEMETRY_SCHEMA_VERSION,
        event_id: `${runId}-victim-${victimSent}`,
        event_type: 'prediction',
        timestamp: new Date(now).toISOString(),
        tenant_id: victim.tenantId,
        model_id: 'credit',
        model_version: version,
        payload: { input_hash: 'bench', score: 0.5, decision: 'approve' },
      };
      return { scope, message: signedMessage(victim.ingestKey, event) };
    };
    const victimLoop = (until: () => boolean) =>
      (async () => {
        while (!until()) {
          signal.throwIfAborted();
          const due = Date.now() + VICTIM_EVERY_MS;
          const { scope, message } = victimEvent();
          const [meta] = await victimProducer.send({ topic: TOPICS.telemetry, acks: -1, messages: [message] });
          const appended = Number(meta?.logAppendTime ?? -1);
          if (appended > 0) appendedAt.set(scope, appended);
          if (due > Date.now()) await sleep(due - Date.now(), signal);
        }
      })();
    /** created_at (epoch ms) of the victim's alert rows, by scope, waiting up to `timeoutMs` for all of them. */
    const createdAt = async (scopes: readonly string[], timeoutMs: number): Promise<Map<string, number>> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await db.query<{ scope: string; created_ms: number }>(
          `SELECT scope, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM alerts WHERE tenant_id = $1 AND rule_id = 'F1' AND scope = ANY($2)`,
          [victim.tenantId, scopes],
        );
        if (rows.rows.length >= scopes.length || Date.now() > deadline) return new Map(rows.rows.map((r) => [r.scope, Number(r.created_ms)]));
        await sleep(250, signal);
      }
    };
    const latencies = async (scopes: readonly string[], timeoutMs: number): Promise<number[]> =>
      [...(await createdAt(scopes, timeoutMs))].map(([scope, created]) => created - (sentAt.get(scope) ?? Number.NaN)).sort((a, b) => a - b);

    // (1) The victim alone.
    log(`flood: baseline, the victim alone for ${size.baselineSeconds} s`);
    const baselineEnd = Date.now() + size.baselineSeconds * 1000;
    await victimLoop(() => Date.now() >= baselineEnd);
    const baselineScopes = [...sentAt.keys()];
    const baseline = await latencies(baselineScopes, 30_000);

    // (2) The flood, with the victim going on, and a kill -9 of the engine halfway.
    log(`flood: ${formatInt(size.events)} events over ${formatInt(size.models)} new models and ${formatInt(size.features)} feature names`);
    let flooded = 0;
    let floodDone = false;
    const floodScopesFrom = sentAt.size;
    const victimDuring = victimLoop(() => floodDone);
    const started = Date.now();
    let killedAt = 0;
    let replacementReadyAt = 0;
    let rssBeforeKill = 0;
    let replacing: Promise<void> = Promise.resolve();
    const stopProgress = every(3000, () => log(`flood: ${formatInt(flooded)} produced; engine peak ${Math.round(Math.max(rssBeforeKill, engine.peakRssMb()))} MB`));
    // What the engine's memory is made of when it peaks (sampled each second).
    let memoryAtPeak: Awaited<ReturnType<typeof memoryParts>>;
    const stopMemory = every(1000, () => {
      void memoryParts(port).then((parts) => {
        if (parts && parts.rss > (memoryAtPeak?.rss ?? 0)) memoryAtPeak = parts;
      });
    });
    try {
      const feature = (i: number) => `feature-${i % size.features}`;
      for (let offset = 0; offset < size.events; offset += CHUNK) {
        signal.throwIfAborted();
        const messages: Message[] = [];
        for (let i = offset; i < Math.min(size.events, offset + CHUNK); i += 1) {
          // Half new models (predictions, G1 and the quota), half drift reports with ever new feature names on registered models.
          const event: TelemetryEvent =
            i % 2 === 0
              ? { schema_version: TELEMETRY_SCHEMA_VERSION, event_id: `${runId}-f${i}`, event_type: 'prediction', timestamp: new Date().toISOString(), tenant_id: flooder.tenantId, model_id: `new-${(i / 2) % size.models}`, payload: { score: 0.5 } }
              : {
                  schema_version: TELEMETRY_SCHEMA_VERSION,
                  event_id: `${runId}-f${i}`,
                  event_type: 'drift_metric',
                  timestamp: new Date().toISOString(),
                  tenant_id: flooder.tenantId,
                  model_id: `fleet-${i % 20}`,
                  payload: { feature: feature(i), metric: 'psi', value: 0.05 },
                };
          messages.push(signedMessage(flooder.ingestKey, event));
        }
        await producer.send({ topic: TOPICS.telemetry, acks: -1, compression: CompressionTypes.GZIP, messages });
        flooded += messages.length;
        if (killedAt === 0 && flooded >= size.events / 2) {
          rssBeforeKill = engine.peakRssMb();
          log(`flood: kill -9 of the engine after ${formatInt(flooded)} events; a replacement starts (the flood goes on)`);
          process.kill(engine.pid, 'SIGKILL');
          killedAt = Date.now();
          const killed = engine;
          replacing = (async () => {
            await killed.stop(0);
            engine = startApp('policy-engine', 'flood engine (after kill -9)', env);
            apps.push(engine);
            replacementReadyAt = await engine.waitForOutput(ENGINE_READY, 90_000, signal);
          })();
        }
      }
    } finally {
      stopProgress();
    }
    const producedSeconds = (Date.now() - started) / 1000;
    await replacing;
    // The engine catches up: every record committed.
    const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(TOPICS.telemetry));
    const drainDeadline = Date.now() + (quick ? 60_000 : 300_000);
    let caughtUp = false;
    while (!caughtUp && Date.now() < drainDeadline) {
      const committed = await withAdmin(kafka, (admin) => committedOffsets(admin, groupId, TOPICS.telemetry));
      caughtUp = ends.every((p) => (committed.get(p.partition) ?? 0n) >= BigInt(p.high));
      if (!caughtUp) await sleep(500, signal);
    }
    const drainedSeconds = (Date.now() - started) / 1000;
    stopMemory();
    floodDone = true;
    await victimDuring;
    const duringScopes = [...sentAt.keys()].slice(floodScopesFrom);
    const during = await latencies(duringScopes, 60_000);
    // The victim's worst latency per 5 s of the flood, to see when it suffered.
    const created = await createdAt(duringScopes, 1000);
    const worstBySlot = new Map<number, number>();
    for (const scope of duringScopes) {
      const at = sentAt.get(scope) ?? 0;
      const slot = Math.floor((at - started) / 5000) * 5;
      const latency = (created.get(scope) ?? Number.NaN) - at;
      worstBySlot.set(slot, Math.max(worstBySlot.get(slot) ?? 0, Number.isNaN(latency) ? Infinity : latency));
    }
    // The victim's events sent while no engine held their partition (from the kill until the
    // replacement had caught up to them) measure the failover, not the flood: shown apart too.
    const recoveredAt = replacementReadyAt + 15_000;
    const steadyScopes = duringScopes.filter((scope) => {
      const at = sentAt.get(scope) ?? 0;
      return at < killedAt || at > recoveredAt;
    });
    const steady = await latencies(steadyScopes, 1000);
    // Where the victim's time went outside the failover: Kafka and the engine, the queue, the worker.
    const jobs = await jobTimings(config.values.redisUrl, queuePrefix, (job) => (job.tenant_id === victim.tenantId && job.rule_id === 'F1' ? job.scope : undefined));
    const parts = latencyParts(new Map(steadyScopes.map((scope) => [scope, sentAt.get(scope) ?? Number.NaN])), jobs, await createdAt(steadyScopes, 1000));
    // The first part split at the broker's append time: the producer and broker, then the engine.
    const appended = steadyScopes.filter((scope) => appendedAt.has(scope));
    const toBroker = appended.map((scope) => (appendedAt.get(scope) ?? 0) - (sentAt.get(scope) ?? 0));
    const inEngine = latencyParts(new Map(appended.map((scope) => [scope, appendedAt.get(scope) ?? Number.NaN])), jobs, await createdAt(appended, 1000)).engine;
    const p99 = (values: number[]) => round(quantile(values.sort((a, b) => a - b), 0.99), 1);
    const letters = await deadLetters(port);
    const flooderAlerts = await db.query<{ rule_id: string; n: string }>(`SELECT rule_id, count(*) AS n FROM alerts WHERE tenant_id = $1 GROUP BY rule_id ORDER BY rule_id`, [flooder.tenantId]);
    const peakRss = Math.max(rssBeforeKill, engine.peakRssMb());
    const engineExits = apps.filter((a) => a.name.startsWith('flood engine') && a.exited).length - 1;

    const figures: Figure[] = [
      { name: 'victim p50, alone', value: round(quantile(baseline, 0.5), 1), unit: 'ms' },
      { name: 'victim p99, alone', value: round(quantile(baseline, 0.99), 1), unit: 'ms', goal: { op: '<=', value: LATENCY_GOAL_MS } },
      { name: 'victim p50, during the flood', value: round(quantile(during, 0.5), 1), unit: 'ms' },
      { name: 'victim p99, during the flood', value: round(quantile(during, 0.99), 1), unit: 'ms', goal: { op: '<=', value: LATENCY_GOAL_MS } },
      { name: 'victim max, during the flood', value: round(during.at(-1) ?? Number.NaN, 1), unit: 'ms' },
      { name: 'victim p99, during the flood, outside the failover', value: round(quantile(steady, 0.99), 1), unit: 'ms', goal: { op: '<=', value: LATENCY_GOAL_MS } },
      { name: 'victim p99 outside the failover: produced → job enqueued (Kafka, engine)', value: p99(parts.engine), unit: 'ms' },
      { name: '… of which produced → appended (producer, broker)', value: p99(toBroker), unit: 'ms' },
      { name: '… of which appended → job enqueued (engine)', value: p99(inEngine), unit: 'ms' },
      { name: 'victim p99 outside the failover: enqueued → taken (queue)', value: p99(parts.queue), unit: 'ms' },
      { name: 'victim p99 outside the failover: taken → row (worker)', value: p99(parts.worker), unit: 'ms' },
      { name: 'victim alerts missing', value: duringScopes.length + baselineScopes.length - during.length - baseline.length, unit: 'alerts' },
      { name: 'flood produced', value: round(flooded / producedSeconds), unit: 'events/s' },
      { name: 'flood read and judged (to the last commit)', value: round(flooded / drainedSeconds), unit: 'events/s' },
      { name: 'engine peak RSS (either engine)', value: round(peakRss, 1), unit: 'MB', goal: { op: '<=', value: RSS_BUDGET_MB } },
      { name: 'kill -9 → replacement engine ready', value: round((replacementReadyAt - killedAt) / 1000, 1), unit: 's' },
      { name: 'engine exits other than the kill', value: Math.max(0, engineExits), unit: 'exits' },
      { name: 'flood dead-lettered QUOTA_EXCEEDED (replacement engine)', value: letters.get('QUOTA_EXCEEDED') ?? 0, unit: 'records' },
    ];
    if (memoryAtPeak) {
      const m = memoryAtPeak;
      notes.push(
        `Engine memory at its sampled peak (its /metrics, each second): RSS ${Math.round(m.rss)} MB = V8 heap ${Math.round(m.heapTotal)} MB (${Math.round(m.heapUsed)} MB used) + external buffers ${Math.round(m.external)} MB + ${Math.round(m.rss - m.heapTotal - m.external)} MB code, stacks and allocator.`,
      );
    }
    notes.push(
      `Victim's worst latency per 5 s from the flood's start (s: ms): ${[...worstBySlot].map(([slot, ms]) => `${slot}: ${Math.round(ms)}`).join(', ')}; the kill -9 at ${round((killedAt - started) / 1000, 1)} s, the replacement ready at ${round((replacementReadyAt - started) / 1000, 1)} s, the flood produced by ${round(producedSeconds, 1)} s.`,
      `Flooder's alerts by rule: ${flooderAlerts.rows.map((r) => `${r.rule_id} ${r.n}`).join(', ') || 'none'} (G1 is bounded by KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY, Q1 is its quota alert).`,
      `Dead letters counted by the replacement engine (its /metrics; the first engine's counts died with it): ${[...letters].filter(([, n]) => n > 0).map(([r, n]) => `${r} ${formatInt(n)}`).join(', ') || 'none'}.`,
      'The victim shares partitions with the flood (models hash over all of them): its events wait behind what the flood put before them. Latency: the event timestamp (the bench clock at send) to created_at of its F1 alert row.',
      `"Outside the failover" leaves out the victim's events sent from the kill -9 to 15 s after the replacement engine was ready (${steadyScopes.length} of ${duringScopes.length} kept): during that time the dead engine's partitions wait for its session to expire and for the replacement.`,
      `Quotas in force: ${config.values.eventsPerMinuteQuota} events per minute per tenant and instance, ${config.values.unregisteredModelsPerDayQuota} new unregistered models per day.`,
      ...(caughtUp ? [] : ['The engine had not committed the whole flood by the deadline: the drain figure is a lower bound.']),
    );
    return {
      id: 'flood',
      title: floodScenario.title,
      figures,
      settings: {
        events: size.events,
        newModels: size.models,
        featureNames: size.features,
        victimEveryMs: VICTIM_EVERY_MS,
        produceChunk: CHUNK,
        baselineSamples: baseline.length,
        floodSamples: during.length,
        consumerGroup: groupId,
      },
      notes,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await victimProducer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await Promise.all(apps.map((a) => a.stop()));
    notes.push(...(await deleteGroups(kafka, [groupId])));
    await deleteQueueKeys(config.values.redisUrl, queuePrefix);
  }
}

export const floodScenario: Scenario = {
  id: 'flood',
  title: 'Flood: one tenant floods new models and feature names; another tenant’s critical alerts go on',
  deadlineMs: ({ quick }) => (quick ? 180_000 : 900_000),
  run,
};
