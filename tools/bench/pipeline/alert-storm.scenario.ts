import { AlertQueue, BullJobQueue, QueueInspector } from '@kanshi/queue';
import { AppConfig } from '@kanshi/config';
import { alertFingerprint, findingId, JOBS, QUEUES, type NotifyGroupJob, type RaiseAlertJob } from '@kanshi/contracts';
import { AlertingSettingsRepository, createDataSource, TenantRepository } from '@kanshi/persistence';
import { DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings } from '@kanshi/alerting-core';
import { deleteQueueKeys } from '@kanshi/testing';
import { raiseJob, raiseJobs, stormRules } from './alert-findings';
import { quantile, round, sleep } from './bench-support';
import { startApp } from './child-app';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';
import { configEnv } from './spawned-app';

/** Printed by the worker once its BullMQ workers run. */
const WORKER_READY = /processing queue "alerts"/;
/** The victim sends one critical finding this often. */
const VICTIM_EVERY_MS = 250;
/** Raises per enqueue, as one engine batch of a busy partition sends them. */
const ENGINE_BATCH = 500;
/** The goal: the victim's critical alert stored and its notification queued within 2 s. */
const GOAL_MS = 2000;

const sizes = (quick: boolean) => (quick ? { fingerprints: 1_000 } : { fingerprints: 10_000 });

/**
 * Fairness in an incident storm: one tenant's engine batches bring 50,000 findings over 10,000
 * alerts at once; meanwhile another tenant's engine sends a critical finding (a new alert, on a
 * model of its own) four times a second. Measured: how soon each critical alert is stored and its
 * notification (the group run) queued, from the moment its engine enqueued it, against the goal
 * of 2 s; and the storm's own rate. The worker runs with the configured quotas.
 */
async function run(context: BenchContext): Promise<ScenarioResult> {
  const { signal } = context;
  const prefix = `kanshi-bench-${context.runId}-storm`.replace(/[^A-Za-z0-9._-]/g, '-');
  // Log level `log`: the worker says it is ready at that level.
  const config = new AppConfig({ ...context.config.values, queuePrefix: prefix, logLevel: 'log' });
  const stormTenant = `bench-${context.runId}-storm`;
  const victimTenant = `bench-${context.runId}-victim`;
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-bench-alert-storm');
  // Two engines, each with its own connection and fair share.
  const stormJobs = new BullJobQueue(config.values.redisUrl, prefix);
  const victimJobs = new BullJobQueue(config.values.redisUrl, prefix);
  const stormEngine = new AlertQueue(stormJobs, config);
  const victimEngine = new AlertQueue(victimJobs, config);
  const queues = new QueueInspector(config.values.redisUrl, prefix);
  const worker = startApp('alert-worker', 'storm alert-worker', { ...configEnv(config), KANSHI_API_PORT: '0', KANSHI_GATEWAY_PORT: '0' });
  // Watched from the start: a chatty worker could push the line out of the output it keeps.
  const ready = worker.waitForOutput(WORKER_READY, 60_000, signal);
  ready.catch(() => undefined);
  const notes: string[] = [];
  let stormDone = false;
  try {
    await dataSource.initialize();
    const tenants = new TenantRepository(dataSource);
    await tenants.ensure(stormTenant, 'Bench storm tenant');
    await tenants.ensure(victimTenant, 'Bench victim tenant');
    // The victim's group runs wait an hour, so each first run's job is still in the queue when
    // it is read below (a run that ran is removed, and the group's next run queued in its place).
    await new AlertingSettingsRepository(dataSource).put(victimTenant, mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, { severities: { critical: { group_wait: '1h' } } }), 'bench');
    const rules = stormRules();
    const { jobs: storm, findings } = raiseJobs(stormTenant, sizes(context.quick).fingerprints, rules, context.runId);
    const critical = rules[0];
    if (!critical) throw new Error('the registry has no rules');
    await ready;

    // The victim: a critical finding on a model of its own each time (a new alert and a new notification group).
    const sentAt = new Map<string, number>();
    const victim = (async () => {
      for (let n = 0; !stormDone; n += 1) {
        signal.throwIfAborted();
        const due = Date.now() + VICTIM_EVERY_MS;
        const modelId = `critical-${n}`;
        const eventId = `ev-${context.runId}-victim-${n}`;
        const fingerprint = alertFingerprint(victimTenant, modelId, critical.rule.id, 'model');
        const job: RaiseAlertJob = raiseJob(victimTenant, modelId, critical, [
          { finding_id: findingId(fingerprint, eventId), event_id: eventId, occurred_at: new Date().toISOString(), severity: 'critical', observed: { n } },
        ]);
        sentAt.set(modelId, Date.now());
        await victimEngine.enqueue([job]);
        if (due > Date.now()) await sleep(due - Date.now(), signal);
      }
    })();

    context.log(`alert-storm: ${findings.toLocaleString('en-US')} findings over ${sizes(context.quick).fingerprints.toLocaleString('en-US')} alerts of one tenant, in engine batches of ${ENGINE_BATCH}`);
    const started = Date.now();
    for (let i = 0; i < storm.length; i += ENGINE_BATCH) await stormEngine.enqueue(storm.slice(i, i + ENGINE_BATCH));
    const enqueuedSeconds = (Date.now() - started) / 1000;
    let drainedAt: number | undefined;
    while (Date.now() - started < (context.quick ? 60_000 : 300_000)) {
      if (worker.exited) throw new Error(`alert-worker exited in the storm:\n${worker.output()}`);
      const counts = await queues.counts(QUEUES.alerts, 'waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) {
        drainedAt = Date.now();
        break;
      }
      await sleep(100, signal);
    }
    stormDone = true;
    await victim;
    const stormSeconds = ((drainedAt ?? Date.now()) - started) / 1000;
    if (drainedAt === undefined) notes.push('The storm had not drained by the bound: its rate is a lower bound.');
    // Let the victim's last alerts land.
    await sleep(1000, signal);

    const rows = await dataSource.query<{ model_id: string; created_ms: number }[]>(
      `SELECT model_id, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM alerts WHERE tenant_id = $1`,
      [victimTenant],
    );
    const storedAt = new Map(rows.map((r) => [r.model_id, Number(r.created_ms)]));
    const queuedAt = new Map<string, number>();
    for (const job of await queues.jobs(QUEUES.notifications, ['delayed', 'wait', 'prioritized', 'active', 'completed'])) {
      const data = job.data as NotifyGroupJob;
      if (job.name !== JOBS.notifyGroup || data.tenant_id !== victimTenant) continue;
      const before = queuedAt.get(data.model_id);
      if (before === undefined || job.queuedAt < before) queuedAt.set(data.model_id, job.queuedAt);
    }
    const delays = (at: ReadonlyMap<string, number>) =>
      [...sentAt]
        .map(([model, sent]) => (at.get(model) ?? Number.NaN) - sent)
        .filter((ms) => !Number.isNaN(ms))
        .sort((a, b) => a - b);
    const stored = delays(storedAt);
    const queued = delays(queuedAt);
    const stormAlerts = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1', [stormTenant]);
    const figures: Figure[] = [
      { name: 'storm: findings persisted', value: round(findings / stormSeconds), unit: 'findings/s' },
      { name: 'victim critical alert stored, p50', value: round(quantile(stored, 0.5)), unit: 'ms' },
      { name: 'victim critical alert stored, p99', value: round(quantile(stored, 0.99)), unit: 'ms', goal: { op: '<=', value: GOAL_MS } },
      { name: 'victim notification queued, p50', value: round(quantile(queued, 0.5)), unit: 'ms' },
      { name: 'victim notification queued, p99', value: round(quantile(queued, 0.99)), unit: 'ms', goal: { op: '<=', value: GOAL_MS } },
      { name: 'victim notification queued, max', value: round(queued.at(-1) ?? Number.NaN), unit: 'ms' },
      { name: 'victim alerts missing', value: sentAt.size - stored.length, unit: 'alerts' },
    ];
    notes.push(
      `Timed from the victim's engine enqueueing the finding to its alert row's created_at, and to the BullMQ timestamp of its notification group run (the job that notifies after the group wait; the victim's is set to 1 h so the job is still there to read). ${sentAt.size} critical findings, one every ${VICTIM_EVERY_MS} ms while the storm lasted.`,
      `The storm: ${storm.length.toLocaleString('en-US')} raises enqueued in ${round(enqueuedSeconds, 1)} s by one engine (sets of up to 256 alerts, its share of the minute first, the rest further back); ${stormAlerts[0]?.n ?? 0} alerts stored. The worker runs with the configured quotas and ${config.values.alertJobConcurrency} alert jobs at once.`,
    );
    return {
      id: 'alert-storm',
      title: alertStormScenario.title,
      figures,
      settings: { stormFindings: findings, stormAlerts: sizes(context.quick).fingerprints, stormRaises: storm.length, engineBatch: ENGINE_BATCH, victimEveryMs: VICTIM_EVERY_MS, victimFindings: sentAt.size, stormSeconds: round(stormSeconds, 2) },
      notes,
    };
  } finally {
    stormDone = true;
    await worker.stop();
    await stormJobs.close();
    await victimJobs.close();
    await queues.close();
    await deleteQueueKeys(config.values.redisUrl, prefix).catch((error: unknown) => context.log(`alert-storm: could not delete Redis keys of ${prefix}: ${String(error)}`));
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

export const alertStormScenario: Scenario = {
  id: 'alert-storm',
  title: 'Alert storm: one tenant’s 50,000 findings; another tenant’s critical alerts stored and notified',
  deadlineMs: ({ quick }) => (quick ? 150_000 : 420_000),
  run,
};
