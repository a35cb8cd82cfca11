import { AssignerProtocol, type Kafka } from 'kafkajs';
import { QUEUES, type ClearAlertJob, type RaiseAlertJob, type RaiseAlertSetJob } from '@kanshi/contracts';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { QueueInspector } from '@kanshi/queue';
import { committedOffsets, committedRecords, deleteGroups, every, formatInt, round, setGroupOffsets, waitForCommitted, withAdmin } from './bench-support';
import { startApp, type RunningApp } from './child-app';
import { cpuSnapshot, cpuUsed } from './cpu-accounting';
import type { BenchContext, BenchDataset } from './scenario';

/** Printed by Nest once `listen()` returned, i.e. once the engine's consumer has joined its group (kafkajs `run()` resolves after join and sync). */
export const ENGINE_READY = /Nest microservice successfully started/;
export const WORKER_READY = /processing queue "alerts"/;

/** Environment of an engine child of the run: its own group and queue prefix, so nothing reaches a running worker. */
export function engineEnv(groupId: string, queuePrefix: string): Record<string, string> {
  return {
    KANSHI_ENGINE_GROUP_ID: groupId,
    KANSHI_QUEUE_PREFIX: queuePrefix,
    KANSHI_LOG_LEVEL: 'log',
    KANSHI_KAFKA_CLIENT_ID: 'kanshi-bench',
    // Off whatever the shell says: these engines are the baseline the tracing scenario compares with.
    KANSHI_TRACING: 'off',
    // The scenarios measure the engine, not the tenants' quota: their data set reaches Kafka far
    // faster than a tenant's quota allows. (The flood scenario puts the default back.)
    KANSHI_QUOTA_EVENTS_PER_MINUTE: '1000000000',
  };
}

export interface EngineRun {
  readonly records: number;
  /** From the first engine's consumer joining to every end offset committed. */
  readonly seconds: number;
  readonly peakRssMb: readonly number[];
  /** Partitions each instance held at the end (describeGroups), by instance. */
  readonly assignment: readonly number[];
  readonly startupMs: readonly number[];
  /** From the last instance joining (the group then holds every instance) to every end offset committed. */
  readonly steadySeconds: number;
  /** Records committed in that time (the rest were committed while instances were still joining). */
  readonly steadyRecords: number;
  /** CPU (user + system) the engines used from the last instance joining to every end offset committed, seconds, all instances. */
  readonly engineCpuSeconds: number;
  /** How busy the machine's CPUs were meanwhile (0..1): the engines, the servers and anything else running. */
  readonly machineBusy: number;
}

/** The figure both engine scenarios report, so one can be read against the other. */
export const CPU_PER_EVENT = 'engine CPU per event';

/** Engine CPU per record committed while every instance ran, µs (NaN when none was). */
export function cpuPerEventUs(run: EngineRun): number {
  return run.steadyRecords > 0 ? (run.engineCpuSeconds / run.steadyRecords) * 1e6 : Number.NaN;
}

/** The settings a one-engine run over the data set reports. */
export function engineRunSettings(dataset: BenchDataset, run: EngineRun, consumerGroup: string, queuePrefix: string): Record<string, string | number | boolean> {
  return { ...dataset.settings, events: run.records, seconds: round(run.seconds, 2), instances: 1, consumerGroup, queuePrefix, engineStartupMs: run.startupMs[0] ?? 0 };
}

export interface EngineRunOptions {
  readonly instances: number;
  readonly groupId: string;
  readonly queuePrefix: string;
  readonly label: string;
  /** Added to each engine's environment, over {@link engineEnv} (e.g. tracing settings). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs `instances` built engines in one fresh consumer group set to the data set's start, until
 * the group has committed every end offset; then stops them and deletes the group. The queue
 * prefix's keys are left for the caller to count and delete.
 */
export async function runEngines(context: BenchContext, dataset: BenchDataset, options: EngineRunOptions): Promise<EngineRun> {
  const { config, signal } = context;
  const log = (message: string) => context.log(message);
  const { instances, groupId, queuePrefix, label } = options;
  const env = { ...engineEnv(groupId, queuePrefix), ...options.env };
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-${label}`);
  const engines: RunningApp[] = [];
  try {
    return await withAdmin(kafka, async (admin) => {
      await setGroupOffsets(admin, groupId, dataset.topic, dataset.partitions.map((p) => ({ partition: p.partition, offset: p.start })));
      const spawnedAt = Date.now();
      for (let i = 0; i < instances; i += 1) engines.push(startApp('policy-engine', `${label} engine ${i + 1}`, env));
      const ready = await Promise.all(engines.map((e) => e.waitForOutput(ENGINE_READY, 90_000, signal)));
      const startedAt = Math.min(...ready);
      const allReadyAt = Math.max(...ready);
      const cpuPids = Object.fromEntries(engines.map((e) => [e.name, e.pid]));
      const cpuBefore = cpuSnapshot(cpuPids, []);
      const committedWhenAllReady = committedRecords(await committedOffsets(admin, groupId, dataset.topic), dataset.partitions);
      let committed = committedWhenAllReady;
      const stopProgress = every(3000, () => {
        const seconds = (Date.now() - startedAt) / 1000;
        const rss = engines.map((e) => `${Math.round(e.peakRssMb())} MB`).join(', ');
        log(`${label}: ${formatInt(committed)} / ${formatInt(dataset.events)} committed (${formatInt(committed / Math.max(0.001, seconds))} events/s), peak RSS ${rss}`);
      });
      try {
        const watch = await waitForCommitted(admin, groupId, dataset.topic, dataset.partitions, signal, (n) => (committed = n));
        const cpu = cpuUsed(cpuBefore, cpuSnapshot(cpuPids, []));
        const peakRssMb = engines.map((e) => e.peakRssMb());
        const assignment = await groupAssignment(kafka, groupId, dataset.topic, instances);
        return {
          records: committed,
          seconds: (watch.doneAt - startedAt) / 1000,
          peakRssMb,
          assignment,
          startupMs: ready.map((at) => at - spawnedAt),
          steadySeconds: (watch.doneAt - allReadyAt) / 1000,
          steadyRecords: committed - committedWhenAllReady,
          engineCpuSeconds: [...cpu.groups.values()].reduce((sum, seconds) => sum + seconds, 0),
          machineBusy: cpu.machineBusy,
        };
      } finally {
        stopProgress();
      }
    });
  } finally {
    await Promise.all(engines.map((e) => e.stop()));
    const problems = await deleteGroups(kafka, [groupId]);
    for (const problem of problems) log(`${label}: ${problem}`);
  }
}

/** How many partitions of `topic` each member holds, largest first (0 for a missing member). */
async function groupAssignment(kafka: Kafka, groupId: string, topic: string, instances: number): Promise<number[]> {
  const described = await withAdmin(kafka, (admin) => admin.describeGroups([groupId]));
  const members = described.groups[0]?.members ?? [];
  const counts = members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic]?.length ?? 0);
  while (counts.length < instances) counts.push(0);
  return counts.sort((a, b) => b - a);
}

export interface QueuedAlerts {
  readonly jobs: number;
  /** Raises (one fingerprint's findings of one batch), in sets or alone. */
  readonly raiseJobs: number;
  /** The `alert.raise-set` jobs that carry them. */
  readonly raiseSets: number;
  readonly clearJobs: number;
  readonly findings: number;
}

/** Counts the jobs waiting in `<prefix>:alerts` (no worker ran) and the findings they carry. */
export async function countQueuedAlerts(redisUrl: string, queuePrefix: string): Promise<QueuedAlerts> {
  const queues = new QueueInspector(redisUrl, queuePrefix);
  try {
    const types = ['wait', 'delayed', 'prioritized', 'active', 'completed', 'failed'] as const;
    const counts = await queues.counts(QUEUES.alerts, ...types);
    const jobs = Object.values(counts).reduce((sum, n) => sum + n, 0);
    let raiseJobs = 0;
    let raiseSets = 0;
    let clearJobs = 0;
    let findings = 0;
    const page = 500;
    // Page through each state on its own: BullMQ applies a range to every state listed.
    for (const type of types) {
      const inState = counts[type] ?? 0;
      for (let start = 0; start < inState; start += page) {
        const batch = await queues.jobs(QUEUES.alerts, [type], start, start + page - 1, true);
        if (batch.length === 0) break;
        for (const job of batch) {
          const data = job.data as RaiseAlertSetJob | RaiseAlertJob | ClearAlertJob;
          const raises = 'raises' in data ? data.raises : 'findings' in data ? [data] : [];
          if ('raises' in data) raiseSets += 1;
          else if (raises.length === 0) clearJobs += 1;
          raiseJobs += raises.length;
          for (const raise of raises) findings += raise.findings.length;
        }
      }
    }
    return { jobs, raiseJobs, raiseSets, clearJobs, findings };
  } finally {
    await queues.close();
  }
}
