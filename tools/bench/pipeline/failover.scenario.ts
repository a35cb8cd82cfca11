import { CompressionTypes, type Admin, type Producer } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import { createKafkaClient, heartbeatIntervalMs, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { deleteQueueKeys, groupOwners, signedMessage } from '@kanshi/testing';
import { TelemetryMix } from '../telemetry-mix';
import { benchTenants, seedBenchTenants } from './bench-dataset';
import { committedOffsets, deleteGroups, formatInt, quantile, round, setGroupOffsets, sleep, withAdmin } from './bench-support';
import { startApp, type RunningApp } from './child-app';
import { ENGINE_READY, engineEnv } from './engine-run';
import type { BenchContext, Scenario, ScenarioResult } from './scenario';

/** Events per second produced for the whole run, in slices of {@link SLICE_MS}: every partition gets records all along. */
const RATE = 1000;
const SLICE_MS = 100;
/** How often the committed offsets are read while a failover is timed: the figure's resolution. */
const POLL_MS = 100;

/** Produces the mix at {@link RATE} (live event time) until stopped; every record is signed by its tenant's key. */
function produceSteadily(producer: Producer, mix: TelemetryMix, ingestKeys: ReadonlyMap<string, string>, signal: AbortSignal): { stop(): Promise<number> } {
  let stopping = false;
  let sent = 0;
  const perSlice = Math.round((RATE * SLICE_MS) / 1000);
  const running = (async () => {
    const started = Date.now();
    for (let k = 0; !stopping && !signal.aborted; k += 1) {
      const due = started + k * SLICE_MS;
      if (due > Date.now()) await sleep(due - Date.now(), signal).catch(() => undefined);
      const events = mix.next(perSlice);
      await producer.send({
        topic: TOPICS.telemetry,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: events.map((e) => signedMessage(ingestKeys.get(e.tenant_id) ?? '', e)),
      });
      sent += events.length;
    }
  })();
  return {
    async stop() {
      stopping = true;
      await running;
      return sent;
    },
  };
}

/** One kill: when, whose partitions, and how long until each was processed again by the survivor. */
interface Round {
  readonly victimPartitions: readonly number[];
  /** Kill to the survivor's join with the dead engine's partitions (its log line). */
  readonly rejoinedMs: number;
  /** Kill to the last of the dead engine's partitions having its first record after the kill processed and committed. */
  readonly movedMs: number;
}

/**
 * (9) Failover: two built engines share the group while events flow; one is killed with SIGKILL
 * and the time is measured until every partition it held has its first record after the kill
 * processed (evaluated, enqueued, checkpointed and committed) by the survivor. A fresh engine
 * then joins and the next round kills the older one. Reported beside the session timeout and
 * heartbeat interval in force, which bound it.
 */
export const failoverScenario: Scenario = {
  id: 'failover',
  title: 'Failover: partitions of an engine killed with SIGKILL processed again by the survivor',
  deadlineMs: ({ quick }) => (quick ? 150_000 : 420_000),
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { config, runId, signal, quick } = context;
    const log = (message: string) => context.log(message);
    const rounds = quick ? 1 : 5;
    const sessionTimeoutMs = config.values.engineSessionTimeoutMs;
    const tenantPrefix = `${runId}-fo`;
    const mix = new TelemetryMix({ tenants: benchTenants(tenantPrefix), eventIdPrefix: tenantPrefix, clock: Date.now });
    const ingestKeys = await seedBenchTenants(config, tenantPrefix, mix);
    const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-failover`);
    const groupId = `${runId}-failover`;
    const queuePrefix = `${runId}-failover`;
    const producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, allowAutoTopicCreation: false, idempotent: false });
    const engines: RunningApp[] = [];
    const notes: string[] = [];
    let flow: { stop(): Promise<number> } | undefined;
    let started = 0;
    /** Starts engine number `n` with a client id of its own, so the group says which partitions it holds. */
    const startEngine = async (): Promise<{ app: RunningApp; clientId: string }> => {
      started += 1;
      const clientPrefix = `kanshi-bench-failover-${started}`;
      const app = startApp('policy-engine', `failover engine ${started}`, { ...engineEnv(groupId, queuePrefix), KANSHI_KAFKA_CLIENT_ID: clientPrefix });
      engines.push(app);
      await app.waitForOutput(ENGINE_READY, 90_000, signal);
      return { app, clientId: `${clientPrefix}-policy-engine-consumer` };
    };
    try {
      return await withAdmin(kafka, async (admin) => {
        // Only what is produced here is read: the group starts at the topic's end.
        const ends = await admin.fetchTopicOffsets(TOPICS.telemetry);
        await setGroupOffsets(admin, groupId, TOPICS.telemetry, ends.map((p) => ({ partition: p.partition, offset: p.high })));
        await producer.connect();
        flow = produceSteadily(producer, mix, ingestKeys, signal);
        const live = [await startEngine(), await startEngine()];
        const results: Round[] = [];
        for (let round = 1; round <= rounds; round += 1) {
          // Both engines hold partitions and the group is stable: a fair start for the kill.
          const [older, newer] = live as [{ app: RunningApp; clientId: string }, { app: RunningApp; clientId: string }];
          const before = await waitForStableGroup(admin, groupId, [older.clientId, newer.clientId], signal);
          const victimPartitions = before.get(older.clientId) ?? [];
          const survivorJoins = (newer.app.output().match(/joined group \S+ as /g) ?? []).length;
          const atKill = new Map((await admin.fetchTopicOffsets(TOPICS.telemetry)).map((p) => [p.partition, BigInt(p.high)]));
          // kill -9: no shutdown hook runs, the member never leaves the group by itself.
          process.kill(older.app.pid, 'SIGKILL');
          const killedAt = Date.now();
          log(`failover round ${round}/${rounds}: killed the engine holding partitions ${victimPartitions.join(', ')}`);
          const rejoinedAt = newer.app.waitForOutput(new RegExp(`\\(assignment ${survivorJoins + 1}\\)`), sessionTimeoutMs + 60_000, signal);
          const processedAt = new Map<number, number>();
          while (processedAt.size < victimPartitions.length) {
            signal.throwIfAborted();
            if (Date.now() - killedAt > sessionTimeoutMs + 60_000) throw new Error(`partitions ${victimPartitions.filter((p) => !processedAt.has(p)).join(', ')} were not processed again within ${sessionTimeoutMs / 1000 + 60} s of the kill`);
            const committed = await committedOffsets(admin, groupId, TOPICS.telemetry);
            const now = Date.now();
            for (const p of victimPartitions) if (!processedAt.has(p) && (committed.get(p) ?? -1n) > (atKill.get(p) ?? 0n)) processedAt.set(p, now);
            await sleep(POLL_MS, signal);
          }
          const movedMs = Math.max(...processedAt.values()) - killedAt;
          const rejoinedMs = (await rejoinedAt) - killedAt;
          results.push({ victimPartitions, rejoinedMs, movedMs });
          log(`failover round ${round}/${rounds}: survivor rejoined with them after ${(rejoinedMs / 1000).toFixed(1)} s, all processed again after ${(movedMs / 1000).toFixed(1)} s`);
          live.shift();
          if (round < rounds) live.push(await startEngine());
        }
        const sent = await flow.stop();
        flow = undefined;
        const moved = results.map((r) => r.movedMs / 1000).sort((a, b) => a - b);
        const rejoined = results.map((r) => r.rejoinedMs / 1000).sort((a, b) => a - b);
        notes.push(
          `Events flow all along (${formatInt(RATE)} events/s of the mix over every partition). Each round: two engines stable in the group, the older one killed with SIGKILL; then a fresh one joins for the next round.`,
          'Moved: from the kill to the moment the last partition the dead engine held has its first record produced after the kill evaluated, enqueued, checkpointed and committed by the survivor (its committed offset passes the log end read just before the kill; read every 100 ms, so figures are up to about 0.1 s late).',
          'Rejoined: from the kill to the survivor logging its join with the new assignment. The broker notices the silence after the session timeout; the survivor learns of the rebalance at its next heartbeat and rejoins; the first batch of each partition then has to be fetched and processed.',
        );
        return {
          id: 'failover',
          title: this.title,
          figures: [
            { name: 'moved median', value: round(quantile(moved, 0.5), 1), unit: 's' },
            { name: 'moved max', value: round(moved.at(-1) ?? Number.NaN, 1), unit: 's' },
            { name: 'rejoined median', value: round(quantile(rejoined, 0.5), 1), unit: 's' },
            { name: 'session timeout', value: sessionTimeoutMs / 1000, unit: 's' },
            { name: 'heartbeat interval', value: heartbeatIntervalMs(sessionTimeoutMs) / 1000, unit: 's' },
          ],
          settings: {
            rounds,
            ratePerSecond: RATE,
            eventsSent: sent,
            pollMs: POLL_MS,
            moved: moved.map((s) => s.toFixed(1)).join(','),
            rejoined: rejoined.map((s) => s.toFixed(1)).join(','),
            partitionsKilled: results.map((r) => r.victimPartitions.length).join(','),
            consumerGroup: groupId,
          },
          notes,
        };
      });
    } finally {
      await flow?.stop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await Promise.all(engines.map((e) => e.stop()));
      notes.push(...(await deleteGroups(kafka, [groupId])));
      await deleteQueueKeys(config.values.redisUrl, queuePrefix);
    }
  },
};

/** Waits until the group is stable with exactly these members, each holding partitions; returns who holds what. */
async function waitForStableGroup(admin: Admin, groupId: string, clientIds: readonly string[], signal: AbortSignal): Promise<Map<string, number[]>> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { state, partitions } = await groupOwners(admin, groupId, TOPICS.telemetry);
    const settled = state === 'Stable' && partitions.size === clientIds.length && clientIds.every((id) => (partitions.get(id)?.length ?? 0) > 0);
    if (settled) return partitions;
    if (Date.now() > deadline) throw new Error(`group ${groupId} did not settle with ${clientIds.join(', ')} within 90 s (state ${state}, members ${[...partitions.keys()].join(', ')})`);
    await sleep(250, signal);
  }
}
