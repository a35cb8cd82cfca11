import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { AlertQueue, BullJobQueue, planRaiseSets, QueueInspector } from '@kanshi/queue';
import { alertFingerprint, escalateAlertJobId, JOBS, QUEUES, type FindingRecord, type RaiseAlertJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, raiseAlertJob, uniqueId, waitFor } from '@kanshi/testing';
import { requireBuild, ROOT } from './run-built-app';

const FINGERPRINTS = 10_000;
const FINDINGS_PER_FINGERPRINT = 10;
const FINDINGS = FINGERPRINTS * FINDINGS_PER_FINGERPRINT;

/** A built alert worker run as `npm start` runs it, killable at any moment. */
interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** Sends `signal` and resolves once the process has gone (SIGKILL after 10 s). */
  stop(signal: NodeJS.Signals): Promise<void>;
}

function startWorker(name: string, queuePrefix: string): WorkerProcess {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'alert-worker', 'src', 'main.js')], {
    cwd: ROOT,
    // warn: the stalled-job lines this suite counts are warnings.
    env: { ...process.env, KANSHI_API_PORT: '0', KANSHI_GATEWAY_PORT: '0', KANSHI_QUEUE_PREFIX: queuePrefix, KANSHI_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let gone = false;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      gone = true;
      resolve();
    }),
  );
  return {
    name,
    child,
    output: () => output,
    exited: () => gone,
    async stop(signal) {
      if (!gone) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Job ids the worker logged as stalled ("job … stalled; it will be processed again"). */
function stalledJobIds(output: string): Set<string> {
  return new Set([...output.matchAll(/job (\S+) stalled; it will be processed again/g)].map((m) => m[1] ?? ''));
}

/** Attempts of alert jobs the worker logged as failed (each is retried; only the final state matters), by why. */
function failedAttempts(output: string): Map<string, number> {
  const why = new Map<string, number>();
  for (const m of output.matchAll(/\((alert\.[a-z-]+)\) failed on attempt \d+: ([^\n]{0,100})/g)) {
    const key = `${m[1] ?? ''}: ${m[2] ?? ''}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  }
  return why;
}

/** The items `size` at a time, in order. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/**
 * The alert worker's exactly-once promise under load and crashes: 100,000 findings of 10,000
 * alerts, enqueued twice and partly re-batched into other sets (so BullMQ's job-id dedup cannot
 * catch them; only the database's finding ids can), while the built worker is `kill -9`ed twice
 * mid-way. Its in-flight sets stall, BullMQ hands them to the next worker once their locks
 * expire (30 s), and they run a second time on top of what was already committed.
 */
describe('alert worker killed mid-way (built worker, real Redis and PostgreSQL)', () => {
  const queuePrefix = uniqueId('kanshi-test-crash');
  const config = loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: queuePrefix });
  const redis = new Redis(config.values.redisUrl);
  const inspector = new QueueInspector(config.values.redisUrl, queuePrefix);
  const producerJobs = new BullJobQueue(config.values.redisUrl, queuePrefix);
  const producer = new AlertQueue(producerJobs, config);
  const workers: WorkerProcess[] = [];
  let dataSource: DataSource;
  let tenantId: string;

  const count = async (sql: string): Promise<number> => {
    const [row] = await dataSource.query<{ n: number }[]>(sql, [tenantId]);
    return row?.n ?? 0;
  };
  const alertCount = () => count('SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1');
  const findingCount = () => count('SELECT count(*)::int AS n FROM alert_findings WHERE tenant_id = $1');
  /** As the engine sends them: each engine batch's raises in one enqueue (sets of up to 256 alerts). */
  const ENGINE_BATCH = 500;
  const enqueue = async (jobs: readonly RaiseAlertJob[]) => {
    for (const part of chunk(jobs, ENGINE_BATCH)) await producer.enqueue(part);
  };
  const setIds = (jobs: readonly RaiseAlertJob[]) => chunk(jobs, ENGINE_BATCH).flatMap((part) => planRaiseSets(part).map((p) => p.jobId));
  const jobCounts = () => inspector.counts(QUEUES.alerts, 'waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');

  /** Starts a worker and kills it (kill -9) once the tenant has at least `atLeast` alerts. */
  const killMidWay = async (name: string, atLeast: number): Promise<{ alerts: number; findings: number; ms: number }> => {
    const started = Date.now();
    const worker = startWorker(name, queuePrefix);
    workers.push(worker);
    await waitFor(
      `${name} to raise ${atLeast} alerts`,
      async () => {
        if (worker.exited()) throw new Error(`${name} exited before it was killed: ${worker.output().slice(-2000)}`);
        return (await alertCount()) >= atLeast ? true : undefined;
      },
      45_000,
      10,
    );
    await worker.stop('SIGKILL');
    // What the dead worker left behind, including commits that landed between the poll and the kill.
    return { alerts: await alertCount(), findings: await findingCount(), ms: Date.now() - started };
  };

  beforeAll(async () => {
    requireBuild();
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-e2e-crash');
    await dataSource.initialize();
    tenantId = (await createTenantFixture(dataSource, uniqueId('crash'))).tenantId;
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await producerJobs.close();
    await inspector.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    await dataSource?.destroy();
  });

  it('ends with exactly 10,000 alerts of 10 occurrences each, 100,000 findings, and each escalation scheduled once', async () => {
    // 10,000 alerts (rule G1 on 10,000 models of one tenant), 10 findings each, 100,000 in all.
    const base = Date.now() - 3_600_000;
    const alerts = Array.from({ length: FINGERPRINTS }, (_, i) => {
      const modelId = `model-${String(i).padStart(5, '0')}`;
      const fingerprint = alertFingerprint(tenantId, modelId, 'G1', 'model');
      const findings = Array.from({ length: FINDINGS_PER_FINGERPRINT }, (_, k) =>
        findingRecord(fingerprint, k === 7 ? 'critical' : 'high', new Date(base + (i * FINDINGS_PER_FINGERPRINT + k) * 1000)),
      );
      return { modelId, fingerprint, findings };
    });
    const findingIds = alerts.flatMap((a) => a.findings.map((f) => f.finding_id));
    expect(new Set(findingIds).size).toBe(FINDINGS);
    const job = (a: (typeof alerts)[number], findings: readonly FindingRecord[]): RaiseAlertJob => {
      const made = raiseAlertJob(tenantId, a.modelId, findings);
      expect(made.fingerprint).toBe(a.fingerprint);
      return made;
    };

    // As the engine batched them: 5 raises of 2 findings per alert (50,000); for every other
    // alert, the same findings also went out as 2 raises of 5 first (10,000 more).
    const pairs = alerts.map((a) => chunk(a.findings, 2).map((f) => job(a, f)));
    const fives = alerts.map((a) => chunk(a.findings, 5).map((f) => job(a, f)));
    const first = alerts.flatMap((_, i) => (i % 2 === 0 ? [...(fives[i] ?? []), ...(pairs[i] ?? [])] : (pairs[i] ?? [])));
    // The replay: everything again (findings in another order, the same batches: the same set
    // ids), and the other alerts re-batched as 2 raises of 5, every fourth one also as 1 raise
    // of 10 (in new sets).
    const replay = [
      ...first.map((j) => ({ ...j, findings: [...j.findings].reverse() })),
      ...alerts.flatMap((_, i) => (i % 2 === 1 ? (fives[i] ?? []) : [])),
      ...alerts.flatMap((a, i) => (i % 4 === 0 ? [job(a, a.findings)] : [])),
    ];
    const firstSets = setIds(first);
    const distinctJobs = new Set([...firstSets, ...setIds(replay)]).size;
    expect(first.length).toBe(60_000);
    expect(distinctJobs).toBeGreaterThan(firstSets.length);

    const enqueueStarted = Date.now();
    await enqueue(first);
    // One tenant's sets past its fair share of the minute wait as prioritized ones.
    const queued = await jobCounts();
    expect((queued['waiting'] ?? 0) + (queued['prioritized'] ?? 0)).toBe(firstSets.length);
    console.log(`enqueued ${first.length} raises in ${firstSets.length} sets (${FINDINGS} findings, ${FINGERPRINTS} fingerprints) in ${Date.now() - enqueueStarted} ms`);

    // First worker: killed as soon as it has raised 1,000 alerts.
    const killedA = await killMidWay('worker A', 1000);
    console.log(`worker A killed after ${killedA.ms} ms with ${killedA.alerts} alerts and ${killedA.findings} findings stored`);
    expect(killedA.alerts).toBeGreaterThan(0);
    expect(killedA.alerts).toBeLessThan(FINGERPRINTS);
    expect(killedA.findings).toBeLessThan(FINDINGS);

    // The replay lands while the dead worker's jobs are still active (locked) and others are
    // completed or waiting: only the new groupings become new jobs.
    await enqueue(replay);
    const afterReplay = await jobCounts();
    console.log(`after the replay: ${JSON.stringify(afterReplay)}`);
    expect(Object.values(afterReplay).reduce((a, b) => a + b, 0)).toBe(distinctJobs);

    // Second worker: killed half-way through what is left.
    const killedB = await killMidWay('worker B', Math.ceil((killedA.alerts + FINGERPRINTS) / 2));
    console.log(`worker B killed after ${killedB.ms} ms with ${killedB.alerts} alerts and ${killedB.findings} findings stored`);
    expect(killedB.alerts).toBeGreaterThan(killedA.alerts);
    expect(killedB.alerts).toBeLessThan(FINGERPRINTS);
    expect(killedB.findings).toBeLessThan(FINDINGS);

    // Third worker: runs to the end, including the stalled jobs of both dead workers once their
    // locks have expired and its stalled check has seen them twice (up to about a minute).
    const drainStarted = Date.now();
    const last = startWorker('worker C', queuePrefix);
    workers.push(last);
    const drained = await waitFor(
      'the alerts queue to drain',
      async () => {
        if (last.exited()) throw new Error(`worker C exited: ${last.output().slice(-2000)}`);
        const counts = await jobCounts();
        const pending = (counts['waiting'] ?? 0) + (counts['active'] ?? 0) + (counts['delayed'] ?? 0) + (counts['prioritized'] ?? 0);
        if (pending > 0) throw new Error(`${pending} jobs pending: ${JSON.stringify(counts)}; ${await alertCount()} alerts, ${await findingCount()} findings`);
        return counts;
      },
      150_000,
      250,
    );
    const drainMs = Date.now() - drainStarted;
    const stalled = stalledJobIds(workers.map((w) => w.output()).join('\n'));
    const failed = failedAttempts(workers.map((w) => w.output()).join('\n'));
    console.log(
      `worker C drained the queue in ${drainMs} ms: ${JSON.stringify(drained)}; ${stalled.size} stalled jobs re-run, alert job attempts failed and retried: ${JSON.stringify([...failed])}`,
    );
    // Follow-ups go through the outbox: the dead workers' committed sets left entries that
    // worker C's relay schedules (it polls every second); wait for it to have relayed them all.
    await waitFor('the outbox to be relayed', async () => ((await count('SELECT count(*)::int AS n FROM alert_outbox WHERE tenant_id = $1')) === 0 ? true : undefined), 60_000, 250);
    await last.stop('SIGTERM');

    expect(drained['failed']).toBe(0);
    expect(drained['waiting-children']).toBe(0);
    expect(drained['completed']).toBe(distinctJobs);
    // The kills did leave jobs mid-flight, and they were run again.
    expect(stalled.size).toBeGreaterThan(0);

    const byCount = await dataSource.query<{ occurrence_count: number; alerts: number }[]>(
      'SELECT occurrence_count, count(*)::int AS alerts FROM alerts WHERE tenant_id = $1 GROUP BY occurrence_count',
      [tenantId],
    );
    expect(byCount).toEqual([{ occurrence_count: FINDINGS_PER_FINGERPRINT, alerts: FINGERPRINTS }]);
    expect(await findingCount()).toBe(FINDINGS);
    // Each finding is on the alert of its own fingerprint, and every one of them is there.
    const perAlert = await dataSource.query<{ fingerprint: string; findings: number }[]>(
      `SELECT a.fingerprint, count(f.finding_id)::int AS findings
         FROM alerts a LEFT JOIN alert_findings f ON f.alert_id = a.id AND f.finding_id = ANY($2)
        WHERE a.tenant_id = $1 GROUP BY a.fingerprint`,
      [tenantId, findingIds],
    );
    expect(new Map(perAlert.map((r) => [r.fingerprint, r.findings]))).toEqual(
      new Map(alerts.map((a) => [a.fingerprint, FINDINGS_PER_FINGERPRINT])),
    );
    // The highest severity seen wins, and each alert was created once.
    expect(await count(`SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1 AND severity = 'critical'`)).toBe(FINGERPRINTS);
    expect(await count(`SELECT count(*)::int AS n FROM alert_history WHERE tenant_id = $1 AND action = 'created'`)).toBe(FINGERPRINTS);

    // Follow-ups: each alert's first escalation at its final (critical) SLA is scheduled, once.
    const alertRows = await dataSource.query<{ id: string; opened_at: Date }[]>('SELECT id, opened_at FROM alerts WHERE tenant_id = $1', [tenantId]);
    const escalationJobs = await inspector.jobs(QUEUES.escalations, ['delayed', 'wait', 'prioritized', 'active', 'completed', 'failed']);
    const escalationIds = escalationJobs.filter((j) => j.name === JOBS.escalateAlert).map((j) => j.id);
    expect(new Set(escalationIds).size).toBe(escalationIds.length);
    const criticalSla = 15 * 60_000;
    const wanted = alertRows.map((a) => escalateAlertJobId({ tenant_id: tenantId, alert_id: a.id, level: 1, opened_at: a.opened_at.toISOString() }, criticalSla));
    const have = new Set(escalationIds);
    expect(wanted.filter((id) => !have.has(id))).toEqual([]);
  }, 300_000);
});
