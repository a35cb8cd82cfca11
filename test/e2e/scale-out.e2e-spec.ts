import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, type Admin, type Message, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { telemetryKey, TOPICS, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER, telemetryPartition } from '@kanshi/messaging';
import { createDataSource } from '@kanshi/persistence';
import { alertTally, createTenantFixture, deleteQueueKeys, groupOwners, signedMessage, telemetryEvent, uniqueId, waitFor } from '@kanshi/testing';
import { requireBuild, startBuiltApp, type RunningBuiltApp } from './run-built-app';

const PLUGIN = './dist/examples/acme-credit-override/src/index.js';

/** Every event of the run, the tail included. */
const EVENTS = 200_000;
/** Models outside the inventory: G1 counts each of their events once. */
const SHADOW_MODELS = 300;
/** The tail: one event per shadow model, sent once the group has settled (see below). */
const TAIL = SHADOW_MODELS;
/** Credit models in the inventory whose overrides ACME-1 counts per reviewer and day. */
const LIMIT_MODELS = 60;
/** ACME-1's default limit: the 21st override of a reviewer in a day fires. */
const ACME_LIMIT = 20;
/**
 * Overrides per credit model: 30 (an alert, but only if the count survives the kill: either
 * half alone stays under the limit) or 16 (no alert, but one if the first half were counted
 * twice).
 */
const overridesOf = (i: number): number => (i % 2 === 0 ? 30 : 16);
/** Messages per `send`. */
const SEND_CHUNK = 4000;
/** The victim is killed once the group has committed this share of the stream. */
const KILL_AT = 0.25;

const ENGINE_READY = /Nest microservice successfully started/;
const WORKER_READY = /processing queue "alerts"/;
const OPS_PORT = /operations endpoint on http:\/\/\S+:(\d+) \(/;

/** One started engine: its process, its Kafka client id (as the group lists it) and its operations port. */
interface Engine {
  readonly name: string;
  readonly app: RunningBuiltApp;
  readonly clientId: string;
  readonly opsPort: number;
}

/** One metric's samples from a Prometheus text exposition, by the value of `label` ('' without labels). */
function samples(text: string, metric: string, label?: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric) || (line[metric.length] !== '{' && line[metric.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const labelled = label === undefined ? undefined : new RegExp(`${label}="([^"]*)"`).exec(line);
    found.set(labelled?.[1] ?? '', value);
  }
  return found;
}

/**
 * Scale-out on this machine with the built apps: three engines in one consumer group and two
 * alert workers take 200,000 signed events over the telemetry topic's partitions; mid-stream one
 * engine is killed with SIGKILL and another is started. G1 counts every event of the 300 models
 * outside the inventory once, and the example plug-in's ACME-1 counts each credit model's
 * overrides of the day across the kill and the rebalances: exact alert counts prove that nothing
 * was lost or counted twice, the checkpointed counts that the rule state moved with the
 * partitions. At the end each live engine's `GET /metrics` shows the partitions spread over the
 * live engines and no lag on any of them.
 */
describe('scale-out: three engines and two alert workers, one engine killed mid-stream (built apps, real Kafka, PostgreSQL and Redis)', () => {
  const config = loadConfig();
  const runId = uniqueId('scale');
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${runId}-e2e`);
  const groupId = `${runId}-engine`;
  const queuePrefix = `${config.values.queuePrefix}-${runId}`;
  const apps: RunningBuiltApp[] = [];
  const suiteStarted = Date.now();
  let dataSource: DataSource;
  let admin: Admin;
  let producer: Producer;
  let tenantId: string;
  let ingestKey: string;
  let engineCount = 0;
  /** The group's starting offset per partition (the topic's end when the run began). */
  let starts = new Map<number, bigint>();
  /** Events of the stream the broker has acknowledged so far. */
  let sent = 0;

  const shadowModel = (i: number) => `shadow-${String(i).padStart(3, '0')}`;
  const limitModel = (i: number) => `limit-${String(i).padStart(2, '0')}`;
  const overrideId = (model: string, n: number) => `${runId}-${model}-override-${n}`;
  /** Overrides are stamped within the current UTC day, from its start: one day's count per model. */
  const day = Math.floor(Date.now() / 86_400_000) * 86_400_000;

  /**
   * The overrides, round by round (each credit model's n-th override in round n), placed evenly
   * over the stream before the tail; every other position is a G1 event, round-robin over the
   * shadow models.
   */
  const overrides: { readonly model: string; readonly n: number }[] = [];
  for (let round = 0; round < 30; round += 1) {
    for (let i = 0; i < LIMIT_MODELS; i += 1) if (round < overridesOf(i)) overrides.push({ model: limitModel(i), n: round });
  }
  const overrideAt = new Map(overrides.map((o, q) => [Math.floor(((q + 0.5) * (EVENTS - TAIL)) / overrides.length), { ...o, q }]));
  const g1Events = new Map<string, string[]>();

  /** The event at position `index` of the stream. */
  const eventAt = (index: number): TelemetryEvent => {
    const override = overrideAt.get(index);
    if (override) {
      return telemetryEvent({
        tenant_id: tenantId,
        model_id: override.model,
        event_id: overrideId(override.model, override.n),
        event_type: 'human_override',
        timestamp: new Date(day + override.q * 1000).toISOString(),
        payload: { action: 'override', reviewer_role: 'credit_officer' },
      });
    }
    const model = shadowModel(index % SHADOW_MODELS);
    const eventId = `${runId}-g1-${index}`;
    const ids = g1Events.get(model) ?? [];
    if (ids.length === 0) g1Events.set(model, ids);
    ids.push(eventId);
    return telemetryEvent({ tenant_id: tenantId, model_id: model, event_id: eventId });
  };

  /** Sends positions [from, to) of the stream in chunks, signed, acks from every replica. */
  const produce = async (from: number, to: number): Promise<void> => {
    for (let start = from; start < to; start += SEND_CHUNK) {
      const messages: Message[] = [];
      for (let i = start; i < Math.min(to, start + SEND_CHUNK); i += 1) messages.push(signedMessage(ingestKey, eventAt(i)));
      await producer.send({ topic: TOPICS.telemetry, acks: -1, compression: CompressionTypes.GZIP, messages });
      sent += messages.length;
    }
  };

  /** Records of the topic the group has committed since the run began (other suites' included, if any ran meanwhile). */
  const committed = async (): Promise<number> => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [TOPICS.telemetry] });
    let total = 0n;
    for (const p of offsets?.partitions ?? []) {
      const start = starts.get(p.partition) ?? 0n;
      if (BigInt(p.offset) > start) total += BigInt(p.offset) - start;
    }
    return Number(total);
  };

  /** Waits until the group has committed every record the topic holds now; the error names the partitions behind. */
  const caughtUp = async (what: string, timeoutMs: number): Promise<number> => {
    const ends = await admin.fetchTopicOffsets(TOPICS.telemetry);
    await waitFor(
      what,
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [TOPICS.telemetry] });
        const at = new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        const behind = ends.filter((p) => (at.get(p.partition) ?? -1n) < BigInt(p.high));
        if (behind.length === 0) return true;
        throw new Error(`behind on ${behind.map((p) => `partition ${p.partition} (committed ${at.get(p.partition) ?? 'none'}, end ${p.high})`).join(', ')}`);
      },
      timeoutMs,
      100,
    );
    return Date.now();
  };

  const startEngine = async (): Promise<Engine> => {
    engineCount += 1;
    const name = `engine ${engineCount}`;
    const clientPrefix = `${runId}-${engineCount}`;
    const app = startBuiltApp('policy-engine', {
      KANSHI_SECTOR_MODULES: PLUGIN,
      KANSHI_ENGINE_GROUP_ID: groupId,
      KANSHI_QUEUE_PREFIX: queuePrefix,
      KANSHI_KAFKA_CLIENT_ID: clientPrefix,
      // log: the operations port and the group joins are printed at this level.
      KANSHI_LOG_LEVEL: 'log',
    });
    apps.push(app);
    await app.waitForOutput(OPS_PORT);
    await app.waitForOutput(ENGINE_READY);
    const opsPort = Number(OPS_PORT.exec(app.output())?.[1]);
    return { name, app, clientId: `${clientPrefix}-policy-engine-consumer`, opsPort };
  };

  const startWorker = async (): Promise<RunningBuiltApp> => {
    const app = startBuiltApp('alert-worker', { KANSHI_QUEUE_PREFIX: queuePrefix, KANSHI_LOG_LEVEL: 'log' });
    apps.push(app);
    await app.waitForOutput(WORKER_READY);
    return app;
  };

  /** Waits until the group is stable with exactly these engines, each holding partitions, and every partition held. */
  const settled = async (what: string, engines: readonly Engine[], partitions: number, timeoutMs: number): Promise<Map<string, number[]>> =>
    waitFor(
      what,
      async () => {
        const { state, partitions: held } = await groupOwners(admin, groupId, TOPICS.telemetry);
        const all = new Set([...held.values()].flat());
        const ok =
          state === 'Stable' && held.size === engines.length && engines.every((e) => (held.get(e.clientId)?.length ?? 0) > 0) && all.size === partitions;
        if (ok) return held;
        throw new Error(`group ${state}, members ${[...held].map(([id, p]) => `${id} [${p.join(', ')}]`).join('; ') || 'none'}`);
      },
      timeoutMs,
      100,
    );

  /** Scrapes an engine's operations endpoint. */
  const scrape = async (engine: Engine) => {
    const response = await fetch(`http://127.0.0.1:${engine.opsPort}/metrics`);
    if (!response.ok) throw new Error(`${engine.name}: GET /metrics answered ${response.status}`);
    const text = await response.text();
    const one = (metric: string, label?: string, value = '') => samples(text, metric, label).get(value) ?? 0;
    return {
      assigned: samples(text, 'kanshi_engine_partitions_assigned').get('') ?? Number.NaN,
      lag: samples(text, 'kanshi_engine_consumer_lag', 'partition'),
      records: one('kanshi_engine_records_consumed_total'),
      batches: one('kanshi_engine_batch_duration_seconds_count', 'outcome', 'ok'),
      checkpoints: one('kanshi_engine_checkpoint_duration_seconds_count'),
      checkpointSeconds: one('kanshi_engine_checkpoint_duration_seconds_sum'),
    };
  };

  /** ACME-1's checkpointed count of the reviewer's overrides, by credit model. */
  const checkpointedCounts = async (): Promise<Map<string, number>> => {
    const rows = await dataSource.query<{ model_id: string; state: { buckets?: { values: Record<string, number> }[] } }[]>(
      `SELECT model_id, state FROM rule_states WHERE consumer_group = $1 AND tenant_id = $2 AND rule_id = 'ACME-1'`,
      [groupId, tenantId],
    );
    return new Map(rows.map((r) => [r.model_id, (r.state.buckets ?? []).reduce((n, b) => n + (b.values['credit_officer'] ?? 0), 0)]));
  };

  beforeAll(async () => {
    requireBuild();
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-e2e-scale-out');
    await dataSource.initialize();
    ({ tenantId, ingestKey } = await createTenantFixture(
      dataSource,
      uniqueId('bank'),
      // Complete entries: G1 has nothing to say about them.
      Array.from({ length: LIMIT_MODELS }, (_, i) => ({
        modelId: limitModel(i),
        sectors: ['finance'],
        riskTier: 'T1',
        owner: 'credit-risk@bank.example',
        intendedUse: 'credit limit setting',
      })),
    ));
    admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(TOPICS.telemetry);
    await admin.setOffsets({ groupId, topic: TOPICS.telemetry, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    starts = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
    producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, allowAutoTopicCreation: false });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    // A clean leave where it can (so the group can be deleted), a kill where it does not come.
    await Promise.all(
      apps.map(async (app) => {
        const killer = setTimeout(() => void app.stop('SIGKILL'), 15_000);
        await app.stop('SIGTERM');
        clearTimeout(killer);
      }),
    );
    await deleteQueueKeys(config.values.redisUrl, queuePrefix);
    await producer?.disconnect();
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.disconnect();
    await dataSource?.destroy();
  }, 60_000);

  it('loses nothing, counts nothing twice, keeps the windowed counts through the rebalances, and ends with no lag on any partition', async () => {
    const partitions = starts.size;
    const partitionsOfShadows = new Set(Array.from({ length: SHADOW_MODELS }, (_, i) => telemetryPartition(telemetryKey(tenantId, shadowModel(i)), partitions)));
    // The tail reaches every partition, so every partition's last owner handles a batch and reports its lag.
    expect(partitionsOfShadows.size).toBe(partitions);

    await Promise.all([startWorker(), startWorker()]);
    const engines = await Promise.all([startEngine(), startEngine(), startEngine()]);
    await settled('the three engines to share the partitions', engines, partitions, 60_000);

    // The stream, produced as fast as one producer can; the victim dies once a quarter is committed.
    const produceStarted = Date.now();
    let producedAt = 0;
    const streaming = produce(0, EVENTS - TAIL).then(() => (producedAt = Date.now()));
    const [victim, second, third] = engines;
    // The kill comes once the group has committed a share of the stream, the victim among them:
    // it holds partitions and has committed on each (so it has checkpointed rule state there).
    const killPoint = waitFor(
      `the group to commit ${KILL_AT * 100} % of the stream, the victim on each of its partitions, before the kill`,
      async () => {
        const total = await committed();
        if (total < KILL_AT * (EVENTS - TAIL)) throw new Error(`${total} committed`);
        const { state, partitions: held } = await groupOwners(admin, groupId, TOPICS.telemetry);
        const mine = held.get(victim.clientId) ?? [];
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [TOPICS.telemetry] });
        const at = new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        const idle = mine.filter((p) => (at.get(p) ?? -1n) <= (starts.get(p) ?? 0n));
        if (state === 'Stable' && mine.length > 0 && idle.length === 0) return mine;
        throw new Error(`group ${state}; the victim holds [${mine.join(', ')}], nothing committed yet on [${idle.join(', ')}]`);
      },
      90_000,
      50,
    );
    // A producer failure ends the wait at once.
    const victimPartitions = await Promise.race([killPoint, streaming.then(() => killPoint)]);
    const committedAtKill = await committed();
    const sentAtKill = sent;
    const killedAt = Date.now();
    await victim.app.stop('SIGKILL');
    // The victim's last checkpoints: no more can come. Some of its credit models are counted part-way.
    const atKill = await checkpointedCounts();
    // Watched from the kill on, while the replacement starts: when the victim's partitions are
    // held by the others, and when the three live engines share them all.
    let victimOutAt = 0;
    const reassigned = waitFor(
      'the partitions to be reassigned to the three live engines after the kill',
      async () => {
        const { state, partitions: held } = await groupOwners(admin, groupId, TOPICS.telemetry);
        const all = new Set([...held.values()].flat());
        const stable = state === 'Stable' && !held.has(victim.clientId) && all.size === partitions;
        if (stable && victimOutAt === 0) victimOutAt = Date.now();
        if (stable && held.size === 3 && [...held.values()].every((p) => p.length > 0)) return Date.now();
        throw new Error(`group ${state}, members ${[...held].map(([id, p]) => `${id} [${p.join(', ')}]`).join('; ') || 'none'}`);
      },
      config.values.engineSessionTimeoutMs + 60_000,
      100,
    );
    // Awaited below; this only keeps a failed start from leaving its rejection unhandled.
    reassigned.catch(() => undefined);
    const live = [second, third, await startEngine()];
    const reassignedAt = await reassigned;
    const committedAtReassign = await committed();
    await streaming;
    await caughtUp('the group to commit the whole stream', 120_000);
    const streamDoneAt = Date.now();

    // The tail, after the last rebalance: every partition's owner now handles a batch of it.
    await produce(EVENTS - TAIL, EVENTS);
    await caughtUp('the group to commit the tail', 30_000);

    // Every live engine's operations endpoint: the partitions spread over them, no lag left on any.
    const scraped = await waitFor(
      'every partition to show lag 0 on the live engines',
      async () => {
        const all = await Promise.all(live.map(async (e) => ({ engine: e, ...(await scrape(e)) })));
        const lag = new Map(all.flatMap((s) => [...s.lag]));
        if (lag.size === partitions && [...lag.values()].every((v) => v === 0)) return all;
        throw new Error(all.map((s) => `${s.engine.name}: ${s.assigned} assigned, lag ${JSON.stringify(Object.fromEntries(s.lag))}`).join('; '));
      },
      30_000,
      250,
    );
    expect(scraped.reduce((n, s) => n + s.assigned, 0)).toBe(partitions);
    for (const s of scraped) expect(s.assigned).toBeGreaterThan(0);

    // G1: every event of every shadow model exactly once (the light sum is polled, the whole tally read once).
    const g1Expected = EVENTS - overrides.length;
    const acmeExpected = new Map(Array.from({ length: LIMIT_MODELS }, (_, i) => [limitModel(i), overridesOf(i)] as const));
    const firing = [...acmeExpected].filter(([, n]) => n > ACME_LIMIT).map(([model]) => model);
    await waitFor(
      'the alert workers to store every G1 and ACME-1 finding',
      async () => {
        const [row] = await dataSource.query<{ g1: number; acme: number }[]>(
          `SELECT COALESCE(sum(occurrence_count) FILTER (WHERE rule_id = 'G1'), 0)::int AS g1, count(*) FILTER (WHERE rule_id = 'ACME-1')::int AS acme FROM alerts WHERE tenant_id = $1`,
          [tenantId],
        );
        if ((row?.g1 ?? 0) >= g1Expected && (row?.acme ?? 0) >= firing.length) return true;
        throw new Error(`G1 occurrences ${row?.g1 ?? 0}/${g1Expected}, ACME-1 alerts ${row?.acme ?? 0}/${firing.length}`);
      },
      150_000,
      500,
    );
    const alertsDoneAt = Date.now();
    // Settled: nothing more arrives.
    await sleep(2000);

    const g1 = await alertTally(dataSource, tenantId, 'G1');
    const g1Wrong = [...g1Events].filter(([model, ids]) => {
      const got = g1.get(model);
      return got?.occurrences !== ids.length || got.eventIds.join('\n') !== [...ids].sort().join('\n');
    });
    expect(g1Wrong.map(([model, ids]) => `${model}: ${g1.get(model)?.occurrences ?? 'no alert'} of ${ids.length}`)).toEqual([]);
    expect(g1.size).toBe(SHADOW_MODELS);

    // ACME-1: one alert per credit model over the limit, fired by its 21st override of the day.
    const acme = await alertTally(dataSource, tenantId, 'ACME-1');
    expect(acme).toEqual(
      new Map(firing.map((model) => [model, { occurrences: 1, eventIds: [overrideId(model, ACME_LIMIT)] }])),
    );
    // Nothing else fired for the tenant.
    const byRule = await dataSource.query<{ rule_id: string; n: number }[]>('SELECT rule_id, count(*)::int AS n FROM alerts WHERE tenant_id = $1 GROUP BY rule_id ORDER BY rule_id', [tenantId]);
    expect(byRule).toEqual([
      { rule_id: 'ACME-1', n: firing.length },
      { rule_id: 'G1', n: SHADOW_MODELS },
    ]);

    // The state itself: each credit model's checkpointed count is its overrides, neither fewer
    // (state lost in a move) nor more (a redelivered batch counted again).
    expect(await checkpointedCounts()).toEqual(acmeExpected);
    // ... and the kill did cut through the counting of credit models on the victim's partitions.
    const onVictim = [...acmeExpected.keys()].filter((model) => victimPartitions.includes(telemetryPartition(telemetryKey(tenantId, model), partitions)));
    const partWay = onVictim.filter((model) => (atKill.get(model) ?? 0) > 0 && (atKill.get(model) ?? 0) < (acmeExpected.get(model) ?? 0));
    if (partWay.length === 0) {
      const counts = onVictim.map((model) => `${model} ${atKill.get(model) ?? 0}/${acmeExpected.get(model) ?? 0}`);
      throw new Error(`no credit model on the victim's partitions [${victimPartitions.join(', ')}] was counted part-way at the kill: ${counts.join(', ')}`);
    }

    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const rate = (events: number, ms: number) => Math.round(events / Math.max(0.001, ms / 1000)).toLocaleString('en-US');
    const total = (key: 'records' | 'batches' | 'checkpoints' | 'checkpointSeconds') => scraped.reduce((n, s) => n + s[key], 0);
    const streamSeconds = (streamDoneAt - produceStarted) / 1000;
    console.log(
      [
        `scale-out: ${EVENTS.toLocaleString('en-US')} events (${(EVENTS - TAIL).toLocaleString('en-US')} streamed, ${TAIL} after the last rebalance), ${partitions} partitions, 3 engines + 2 alert workers, wall time ${seconds(Date.now() - suiteStarted)} s`,
        `  produced in ${seconds(producedAt - produceStarted)} s (${Math.round((EVENTS - TAIL) / ((producedAt - produceStarted) / 1000)).toLocaleString('en-US')} events/s)`,
        `  through the group: ${Math.round((EVENTS - TAIL) / streamSeconds).toLocaleString('en-US')} events/s (first send to the whole stream committed, ${streamSeconds.toFixed(1)} s, the failover included); ${rate(committedAtKill, killedAt - produceStarted)} events/s before the kill (3 engines, the producer running), ${rate(EVENTS - TAIL - committedAtReassign, streamDoneAt - reassignedAt)} events/s from the reassignment to the end (3 engines, ${(EVENTS - TAIL - committedAtReassign).toLocaleString('en-US')} left)`,
        `  kill of ${victim.name} (partitions ${victimPartitions.join(', ')}) with ${sentAtKill.toLocaleString('en-US')} sent and ${committedAtKill.toLocaleString('en-US')} committed -> its partitions held by the others ${seconds(victimOutAt - killedAt)} s, shared by the 3 live engines ${seconds(reassignedAt - killedAt)} s after the kill (session timeout ${seconds(config.values.engineSessionTimeoutMs)} s)`,
        `  ${partWay.length} of ${onVictim.length} credit models on the victim's partitions counted part-way at the kill; every alert stored ${seconds(alertsDoneAt - streamDoneAt)} s after the stream was committed: ${(g1Expected + firing.length).toLocaleString('en-US')} findings, ${rate(g1Expected + firing.length, alertsDoneAt - produceStarted)}/s from the first send`,
        `  at the end: ${scraped.map((s) => `${s.engine.name} ${s.assigned} partitions`).join(', ')}; lag 0 on all ${partitions}`,
        `  the live engines: ${Math.round(total('records')).toLocaleString('en-US')} records in ${total('batches')} batches (${Math.round(total('records') / Math.max(1, total('batches')))} a batch), ${total('checkpoints')} checkpoints of ${((1000 * total('checkpointSeconds')) / Math.max(1, total('checkpoints'))).toFixed(1)} ms on average`,
      ].join('\n'),
    );
  }, 420_000);
});
