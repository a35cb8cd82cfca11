import { AppConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { deleteQueueKeys } from '@kanshi/testing';
import { committedOffsets, committedRecords, deleteGroups, every, formatInt, round, setGroupOffsets, sleep, withAdmin } from './bench-support';
import type { RunningApp } from './child-app';
import { countQueuedAlerts } from './engine-run';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';
import { configEnv, startScript } from './spawned-app';

const NAIVE_SCRIPT = 'tools/bench/pipeline/naive-handler/main.js';
/** Printed by the naive app once Nest's Kafka server listens (its consumer has joined the group). */
const NAIVE_READY = /naive handler listening/;
/** In full mode the per-message handler is stopped after this long; its rate is over what it did. */
const FULL_CAP_MS = 60_000;
const QUICK_CAP_MS = 45_000;
const POLL_MS = 100;

/**
 * (3) What a team would write: a plain NestJS microservice on Nest's standard Kafka transport
 * (`tools/bench/pipeline/naive-handler/`, built, run as a child process) with one
 * `@EventPattern` handler per message doing the engine's work (contract validation, routing and
 * evaluation of every built-in module with the same evaluator and inventory) and one awaited
 * BullMQ `add` per finding. It reads the run's data set in a fresh consumer group set to the data
 * set's start; its rate is compared with the `engine` scenario of the same run.
 */
async function run(context: BenchContext): Promise<ScenarioResult> {
  const { runId, signal } = context;
  const log = (message: string): void => context.log(message);
  const dataset = await context.dataset();
  // Nest's ServerKafka appends `-server` to the group id it is given.
  const group = `${runId}-naive`;
  const serverGroup = `${group}-server`;
  const queuePrefix = `${runId}-naive`;
  const config = new AppConfig({ ...context.config.values, queuePrefix, logLevel: 'log' });
  const capMs = context.quick ? QUICK_CAP_MS : FULL_CAP_MS;
  // The ranges may hold a few more records than the data set's events (another producer wrote meanwhile): read them all, as the engine does.
  const total = dataset.partitions.reduce((sum, p) => sum + Number(BigInt(p.end) - BigInt(p.start)), 0);
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-naive`);
  let app: RunningApp | undefined;
  const notes: string[] = [];
  try {
    const measured = await withAdmin(kafka, async (admin) => {
      await setGroupOffsets(admin, serverGroup, dataset.topic, dataset.partitions.map((p) => ({ partition: p.partition, offset: p.start })));
      const spawnedAt = Date.now();
      app = startScript(NAIVE_SCRIPT, 'naive handler', { ...configEnv(config), KANSHI_BENCH_NAIVE_GROUP: group });
      const startedAt = await app.waitForOutput(NAIVE_READY, 90_000, signal);
      let committed = 0;
      let at = startedAt;
      const stopProgress = every(3000, () =>
        log(`naive-handler: ${formatInt(committed)} / ${formatInt(total)} committed (${formatInt(committed / Math.max(0.001, (at - startedAt) / 1000))} events/s)`),
      );
      try {
        // Until every end offset is committed, or the cap: per-message handling is slow.
        for (;;) {
          if (app.exited) throw new Error(`the naive handler exited: ${app.output()}`);
          const offsets = await committedOffsets(admin, serverGroup, dataset.topic);
          at = Date.now();
          committed = committedRecords(offsets, dataset.partitions);
          if (committed >= total || at - startedAt >= capMs) break;
          await sleep(POLL_MS, signal);
        }
        return { committed, seconds: (at - startedAt) / 1000, complete: committed >= total, startupMs: startedAt - spawnedAt, peakRssMb: app.peakRssMb() };
      } finally {
        stopProgress();
      }
    });
    await app?.stop();
    const queued = await countQueuedAlerts(config.values.redisUrl, queuePrefix);
    const throughput = measured.committed / measured.seconds;
    const engine = context.results.get('engine')?.figures.find((f) => f.name === 'throughput')?.value;
    const figures: Figure[] = [
      { name: 'throughput', value: round(throughput), unit: 'events/s' },
      ...(engine === undefined ? [] : [{ name: 'engine to naive handler', value: round(engine / throughput, 2), unit: 'x', goal: { op: '>=' as const, value: 3 } }]),
      { name: 'findings', value: queued.findings, unit: 'findings' },
      { name: 'naive handler peak RSS', value: round(measured.peakRssMb, 1), unit: 'MB' },
    ];
    notes.push(
      'Timed from the app printing that Nest\'s Kafka server listens (listen() resolves once its consumer has joined the group) to the poll (every 100 ms) that saw every end offset committed, as the engine scenario is timed.',
      measured.complete
        ? 'It read the whole data set.'
        : `Stopped after ${capMs / 1000} s with ${formatInt(measured.committed)} of ${formatInt(total)} records committed: the rate is over what it did (the start of the data set, the same mix throughout).`,
      'Nest\'s defaults: eachMessage, one partition at a time, kafkajs auto-commit after each fetched batch (not after each message); the JSON is parsed by Nest\'s Kafka parser, then validated with validateTelemetryEvent.',
      'It does less than the engine: no dead-letter topic, no rule-state checkpoints, no rule timers (windowed rules close only on later events), no inventory "last seen" writes; one finding per BullMQ job instead of one job per fingerprint and batch.',
      engine === undefined ? 'No ratio: the engine scenario did not run (or failed) in this run.' : 'Ratio: the engine scenario\'s throughput of this run over this one, on the same records.',
    );
    return {
      id: 'naive-handler',
      title: naiveHandlerScenario.title,
      figures,
      settings: {
        ...dataset.settings,
        events: measured.committed,
        seconds: round(measured.seconds, 2),
        complete: measured.complete,
        capSeconds: capMs / 1000,
        consumerGroup: serverGroup,
        queuePrefix,
        raiseJobs: queued.raiseJobs,
        startupMs: measured.startupMs,
      },
      notes,
    };
  } finally {
    await app?.stop();
    for (const problem of await deleteGroups(kafka, [serverGroup])) log(`naive-handler: ${problem}`);
    await deleteQueueKeys(context.config.values.redisUrl, queuePrefix);
  }
}

export const naiveHandlerScenario: Scenario = {
  id: 'naive-handler',
  title: 'What a team would write: NestJS @EventPattern handler per message, one BullMQ add per finding',
  // The cap, the app's start-up and the group's clean-up, with room to spare.
  deadlineMs: ({ quick }) => (quick ? 120_000 : 180_000),
  run,
};
