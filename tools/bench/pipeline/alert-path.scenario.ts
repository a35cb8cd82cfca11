import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings, type AlertingSettingsPatch } from '@kanshi/alerting-core';
import { AppConfig } from '@kanshi/config';
import { alertFingerprint, findingId, QUEUES, type RaiseAlertJob } from '@kanshi/contracts';
import { AlertingSettingsRepository, createDataSource, TenantRepository } from '@kanshi/persistence';
import { AlertQueue, BullJobQueue, QueueInspector } from '@kanshi/queue';
import { deleteQueueKeys } from '@kanshi/testing';
import { FINDINGS_PER_FINGERPRINT, JOB_SPLIT, raiseJob, raiseJobs, stormFingerprints, stormRules } from './alert-findings';
import { round, sleep } from './bench-support';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';
import { startApp, type RunningApp } from './child-app';
import { cpuSnapshot, cpuUsed, type CpuSnapshot } from './cpu-accounting';
import { configEnv, CPU_PROFILE_DIR_ENV, cpuProfileArgs, startScript } from './spawned-app';

/** Printed by the worker once its BullMQ workers run (log level `log`). */
const WORKER_READY = /processing queue "alerts"/;
/** As the engine enqueues: `addBulk` of at most this many jobs. */
const ENQUEUE_CHUNK = 500;
const SECRET = 'bench-webhook-signing-secret-0123456789';

interface Sizes {
  readonly fingerprints: number;
  readonly notifyAlerts: number;
  readonly persistDeadlineMs: number;
  readonly notifyDeadlineMs: number;
}

const FULL: Sizes = { fingerprints: stormFingerprints(false), notifyAlerts: 5_000, persistDeadlineMs: 300_000, notifyDeadlineMs: 180_000 };
const QUICK: Sizes = { fingerprints: stormFingerprints(true), notifyAlerts: 50, persistDeadlineMs: 60_000, notifyDeadlineMs: 60_000 };

/** Server processes whose CPU time is read around each part (every PostgreSQL backend, Redis). */
const SERVER_COMMANDS = ['postgres', 'redis-server'] as const;

type CpuUse = ReturnType<typeof cpuUsed>;

function formatCpu(use: CpuUse): string {
  const groups = [...use.groups].sort((a, b) => b[1] - a[1]).map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`);
  return `${groups.join(', ')}; machine ${Math.round(use.machineBusy * 100)}% busy`;
}

/** What bounds a part: a saturated machine (the CPU is shared out) or a process of its own. */
function limitOf(use: CpuUse): string {
  const [top] = [...use.groups].sort((a, b) => b[1] - a[1]);
  const share = top ? `${top[0]} used the most CPU` : 'no process sampled';
  return use.machineBusy > 0.9 ? `both cores were busy, so the rate is the machine's CPU shared out; ${share}` : `the machine had idle CPU; ${share}`;
}

/** `<part>Cpu<Group>Seconds` and `<part>CpuMsPerItem<Group>` settings, for the report. */
function cpuSettings(part: string, use: CpuUse, items: number): Record<string, number> {
  const settings: Record<string, number> = { [`${part}MachineBusyPct`]: round(use.machineBusy * 100) };
  for (const [name, seconds] of use.groups) {
    const key = name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
    settings[`${part}Cpu${key}Seconds`] = round(seconds, 1);
    settings[`${part}CpuMsPer${part === 'persist' ? 'Job' : 'Notification'}${key}`] = round((seconds * 1000) / Math.max(1, items), 2);
  }
  return settings;
}

async function enqueueAll(producer: AlertQueue, jobs: readonly RaiseAlertJob[]): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < jobs.length; i += ENQUEUE_CHUNK) await producer.enqueue(jobs.slice(i, i + ENQUEUE_CHUNK));
  return Date.now() - started;
}

type Counts = Record<string, number>;
const pendingOf = (c: Counts): number => (c['waiting'] ?? 0) + (c['active'] ?? 0) + (c['delayed'] ?? 0) + (c['prioritized'] ?? 0);

/** A real HTTP receiver on loopback counting webhook requests, answering 200 at once. */
class WebhookReceiver {
  readonly times: number[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.times.push(Date.now());
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function tenantWithSettings(dataSource: DataSource, tenantId: string, patch: AlertingSettingsPatch): Promise<void> {
  await new TenantRepository(dataSource).ensure(tenantId, `Bench tenant ${tenantId}`);
  await new AlertingSettingsRepository(dataSource).put(tenantId, mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, patch), 'bench');
}

async function count(dataSource: DataSource, sql: string, tenantId: string): Promise<number> {
  const [row] = await dataSource.query<{ n: number }[]>(sql, [tenantId]);
  return row?.n ?? 0;
}

/**
 * Alert path: `raise` jobs of many findings over fewer fingerprints, enqueued as the engine
 * would, turned into persisted, deduplicated alerts by the built `alert-worker` (a child process
 * on a queue prefix of its own); then notifications of fresh alerts delivered to a webhook
 * receiver in this process. The worker's peak RSS covers both parts.
 */
async function run(context: BenchContext): Promise<ScenarioResult> {
  const sizes = context.quick ? QUICK : FULL;
  const prefix = `kanshi-bench-${context.runId}-alerts`.replace(/[^A-Za-z0-9._-]/g, '-');
  // Log level `log`, Kanshi's default (and the engine scenario's): a line per alert raised is part of the cost.
  const config = new AppConfig({ ...context.config.values, queuePrefix: prefix, logLevel: 'log' });
  const { workerConcurrency, alertJobConcurrency, logLevel } = config.values;
  const notes: string[] = [];
  const queues = new QueueInspector(config.values.redisUrl, prefix);
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-bench-alert-path');
  const producerJobs = new BullJobQueue(config.values.redisUrl, prefix);
  const producer = new AlertQueue(producerJobs, config);
  const receiver = new WebhookReceiver();
  let worker: RunningApp | undefined;
  try {
    await dataSource.initialize();
    const tenantId = `bench-${context.runId}-alerts`.replace(/[^A-Za-z0-9._-]/g, '-');
    // No group run nor escalation falls due while it is measured: this part measures persistence.
    await tenantWithSettings(dataSource, tenantId, {
      severities: Object.fromEntries((['low', 'medium', 'high', 'critical'] as const).map((s) => [s, { group_wait: '1h', ack_sla: null }])),
    });
    const rules = stormRules();
    const { jobs, findings } = raiseJobs(tenantId, sizes.fingerprints, rules, context.runId);
    context.log(`alert-path: enqueueing ${jobs.length.toLocaleString('en-US')} raise jobs (${findings.toLocaleString('en-US')} findings, ${sizes.fingerprints.toLocaleString('en-US')} fingerprints) on prefix ${prefix}`);
    const enqueueMs = await enqueueAll(producer, jobs);

    // The bench's webhook receiver listens on loopback, which the worker refuses unless allowlisted.
    // It measures the path, not the tenant quotas (as the engine scenarios lift the events quota).
    const workerEnv = {
      ...configEnv(config),
      KANSHI_API_PORT: '0',
      KANSHI_GATEWAY_PORT: '0',
      KANSHI_OUTBOUND_ALLOWLIST: '127.0.0.1/32',
      KANSHI_QUOTA_ALERT_CREATIONS_PER_MINUTE: '100000000',
      KANSHI_QUOTA_NOTIFICATIONS_PER_MINUTE: '10000000',
    };
    const profile = cpuProfileArgs();
    const bootStarted = Date.now();
    if (profile.length > 0) {
      notes.push(`The worker ran under --cpu-prof (${CPU_PROFILE_DIR_ENV}=${process.env[CPU_PROFILE_DIR_ENV] ?? ''}): its figures are slower than unprofiled.`);
      worker = startScript('apps/alert-worker/src/main.js', 'alert-worker', workerEnv, profile);
    } else {
      worker = startApp('alert-worker', 'alert-worker', workerEnv);
    }
    const started = await worker.waitForOutput(WORKER_READY, 60_000, context.signal);
    const workerPid = worker.pid;
    const snapshot = (): CpuSnapshot => cpuSnapshot({ 'alert-worker': workerPid, bench: process.pid }, SERVER_COMMANDS);
    const persistCpuBefore = snapshot();
    const bootMs = started - bootStarted;
    context.log(`alert-path: worker ready after ${bootMs} ms; draining`);

    // Part 1: persistence. Done when the queue is drained; the database is checked after.
    let lastLog = Date.now();
    let counts: Counts = {};
    let drainedAt: number | undefined;
    // When every alert exists (their first findings stored), as Alertmanager's "all alerts shown".
    let allAlertsAt: number | undefined;
    let lastAlertCount = 0;
    const persistDeadline = started + sizes.persistDeadlineMs;
    while (Date.now() < persistDeadline) {
      if (worker.exited) throw new Error(`alert-worker exited while draining:\n${worker.output()}`);
      if (allAlertsAt === undefined && Date.now() - lastAlertCount >= 200) {
        lastAlertCount = Date.now();
        if ((await count(dataSource, 'SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1', tenantId)) >= sizes.fingerprints) allAlertsAt = Date.now();
      }
      counts = await queues.counts(QUEUES.alerts, 'waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
      if (pendingOf(counts) === 0) {
        drainedAt = Date.now();
        break;
      }
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        context.log(`alert-path: ${(counts['completed'] ?? 0).toLocaleString('en-US')} of ${jobs.length.toLocaleString('en-US')} jobs done`);
      }
      await sleep(50, context.signal);
    }
    const persistEnd = drainedAt ?? Date.now();
    const persistCpu = cpuUsed(persistCpuBefore, snapshot());
    const persistSeconds = (persistEnd - started) / 1000;
    const alerts = await count(dataSource, 'SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1', tenantId);
    const stored = await count(dataSource, 'SELECT count(*)::int AS n FROM alert_findings WHERE tenant_id = $1', tenantId);
    const jobsDone = (counts['completed'] ?? 0) + (counts['failed'] ?? 0);
    if (drainedAt === undefined) {
      notes.push(`Part 1 stopped at its ${sizes.persistDeadlineMs / 1000} s bound with ${jobsDone} of ${jobs.length} jobs done; the rates are over what was done.`);
    } else if (alerts !== sizes.fingerprints || stored !== findings) {
      throw new Error(`the queue drained but PostgreSQL holds ${alerts} alerts and ${stored} findings; expected ${sizes.fingerprints} and ${findings}`);
    }
    if ((counts['failed'] ?? 0) > 0) notes.push(`${counts['failed']} raise jobs failed; see the worker's log.`);
    context.log(`alert-path: ${alerts.toLocaleString('en-US')} alerts, ${stored.toLocaleString('en-US')} findings in ${persistSeconds.toFixed(1)} s`);

    // Part 2: notifications, one group (model, severity) per alert, so one webhook request each.
    const notifyTenant = `${tenantId}-notify`;
    await tenantWithSettings(dataSource, notifyTenant, { severities: { high: { group_wait: '50ms', repeat_interval: '1h', ack_sla: null } } });
    const url = await receiver.start();
    const [channel] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, 'bench-hook', 'webhook', $2, $3, 'bench') RETURNING id`,
      [notifyTenant, JSON.stringify({ url, timeout_ms: 5000, max_attempts: 5, backoff_ms: 1000 }), SECRET],
    );
    await dataSource.query(`INSERT INTO notification_routes (tenant_id, name, level, channel_ids, created_by) VALUES ($1, 'bench-route', 0, $2::uuid[], 'bench')`, [
      notifyTenant,
      [channel?.id],
    ]);
    const rule = rules[0];
    if (!rule) throw new Error('the registry has no rules');
    const notifyJobs: RaiseAlertJob[] = Array.from({ length: sizes.notifyAlerts }, (_, i) => {
      const modelId = `bench-notify-${i}`;
      const fingerprint = alertFingerprint(notifyTenant, modelId, rule.rule.id, 'model');
      const eventId = `ev-${context.runId}-n${i}`;
      return raiseJob(notifyTenant, modelId, rule, [
        { finding_id: findingId(fingerprint, eventId), event_id: eventId, occurred_at: new Date().toISOString(), severity: 'high', observed: { event_id: eventId } },
      ]);
    });
    context.log(`alert-path: ${sizes.notifyAlerts.toLocaleString('en-US')} alerts to notify through a webhook`);
    const notifyCpuBefore = snapshot();
    const notifyStarted = Date.now();
    await enqueueAll(producer, notifyJobs);
    let delivered = 0;
    let deliveredAt: number | undefined;
    const notifyDeadline = notifyStarted + sizes.notifyDeadlineMs;
    while (Date.now() < notifyDeadline) {
      if (worker.exited) throw new Error(`alert-worker exited while notifying:\n${worker.output()}`);
      // The receiver's count is free to read; the database is asked only once it could be done.
      if (receiver.times.length >= sizes.notifyAlerts) {
        delivered = await count(dataSource, `SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND status = 'delivered'`, notifyTenant);
        if (delivered >= sizes.notifyAlerts) {
          deliveredAt = Date.now();
          break;
        }
      }
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        context.log(`alert-path: ${receiver.times.length.toLocaleString('en-US')} of ${sizes.notifyAlerts.toLocaleString('en-US')} webhook requests received`);
      }
      await sleep(20, context.signal);
    }
    if (deliveredAt === undefined) {
      delivered = await count(dataSource, `SELECT count(*)::int AS n FROM notifications WHERE tenant_id = $1 AND status = 'delivered'`, notifyTenant);
      notes.push(`Part 2 stopped at its ${sizes.notifyDeadlineMs / 1000} s bound with ${delivered} of ${sizes.notifyAlerts} notifications delivered.`);
    }
    const requests = receiver.times.length;
    const first = receiver.times[0] ?? notifyStarted;
    const last = receiver.times.at(-1) ?? first;
    const deliverySeconds = Math.max(0.001, (last - first) / 1000);
    const endToEndSeconds = ((deliveredAt ?? Date.now()) - notifyStarted) / 1000;
    if (requests > delivered) notes.push(`${requests - delivered} webhook requests were retries or arrived before their delivery was recorded.`);

    const notifyCpu = cpuUsed(notifyCpuBefore, snapshot());
    const peakRss = worker.peakRssMb();
    await worker.stop();
    const queued = await queues.counts(QUEUES.notifications, 'failed');
    if ((queued['failed'] ?? 0) > 0) notes.push(`${queued['failed']} notification jobs failed.`);

    const figures: Figure[] = [
      { name: 'alerts persisted', value: round(alerts / persistSeconds), unit: 'alerts/s', goal: { op: '>=', value: 10_000 } },
      { name: 'all alerts stored (first findings; as Alertmanager shows them)', value: round(alerts / (((allAlertsAt ?? persistEnd) - started) / 1000)), unit: 'alerts/s' },
      { name: 'findings persisted', value: round(stored / persistSeconds), unit: 'findings/s' },
      { name: 'alert jobs (sets of raises)', value: round(jobsDone / persistSeconds), unit: 'jobs/s' },
      { name: 'notifications delivered (first to last webhook request)', value: round(Math.min(requests, sizes.notifyAlerts) / deliverySeconds), unit: 'notifications/s' },
      { name: 'notifications end to end (enqueue to all delivered)', value: round(delivered / endToEndSeconds), unit: 'notifications/s' },
      { name: 'alert-worker peak RSS', value: round(peakRss, 1), unit: 'MB', goal: { op: '<=', value: 300 } },
    ];
    notes.push(
      'Part 1 is timed from the worker being ready (all jobs already queued) to the queue drained; alerts/s counts distinct alerts, ' +
        `each built from ${FINDINGS_PER_FINGERPRINT} findings in ${JOB_SPLIT.length} raises (successive engine batches), so it is findings/s divided by ${FINDINGS_PER_FINGERPRINT}. ` +
        '"All alerts stored" is timed to the moment every alert row exists (counted every 200 ms), the measure Alertmanager\'s "all alerts shown" takes.',
      'Each raise job is one PostgreSQL transaction (alert upsert, row lock, findings, history) plus the follow-ups (notification group, BullMQ adds); ' +
        'alerts of one model contend for its notification group row.',
      'Part 2 includes the 50 ms group wait, the group run, the delivery job and the signed HTTP request per alert. The tenant quotas on alert creations and notifications are lifted for the worker: this measures the path.',
      `CPU while persisting (${formatCpu(persistCpu)}): ${limitOf(persistCpu)}. CPU while notifying (${formatCpu(notifyCpu)}).`,
      'The worker logs at level "log", Kanshi\'s default: a line per alert raised and per notification delivered.',
      'Bench tenants and their alerts stay in PostgreSQL (alert history is append-only by design); the Redis keys of the prefix are deleted.',
    );
    return {
      id: 'alert-path',
      title: alertPathScenario.title,
      figures,
      settings: {
        findings,
        fingerprints: sizes.fingerprints,
        raiseJobs: jobs.length,
        findingsPerJob: JOB_SPLIT.join('/'),
        enqueueSeconds: enqueueMs / 1000,
        workerBootSeconds: bootMs / 1000,
        persistSeconds: round(persistSeconds, 2),
        workerConcurrency,
        alertJobConcurrency,
        workerLogLevel: logLevel,
        notifyAlerts: sizes.notifyAlerts,
        notifyGroupWait: '50ms',
        webhookRequests: requests,
        notificationsDelivered: delivered,
        notifySeconds: round(endToEndSeconds, 2),
        ...cpuSettings('persist', persistCpu, jobsDone),
        ...cpuSettings('notify', notifyCpu, requests),
        queuePrefix: prefix,
      },
      notes,
    };
  } finally {
    await worker?.stop();
    await receiver.stop();
    await producerJobs.close();
    await queues.close();
    await deleteQueueKeys(config.values.redisUrl, prefix).catch((error: unknown) => context.log(`alert-path: could not delete Redis keys of ${prefix}: ${String(error)}`));
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}


export const alertPathScenario: Scenario = {
  id: 'alert-path',
  title: 'Alert path: findings to persisted alerts, and notifications to a webhook (alert-worker)',
  // Both parts' bounds, the worker's boot and the set-up, with room to spare.
  deadlineMs: ({ quick }) => (quick ? 150_000 : 600_000),
  run,
};
