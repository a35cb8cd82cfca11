import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { TOPICS, telemetryKey } from '@kanshi/contracts';
import { OpsServerHost } from '@kanshi/runtime';
import { createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';
import { ROOT } from './run-built-app';

const OBSERVABILITY = join(ROOT, 'deploy', 'observability');

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
  [key: string]: unknown;
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

interface RuleGroup {
  name: string;
  rules: { name: string; health: string; lastError?: string; lastEvaluation: string; type: string }[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The shipped Prometheus configuration and alerting rules, run by a real Prometheus (Debian's
 * package, installed by `npm test`) against the four apps: every app is scraped, the pipeline's
 * work shows up under the documented names, and every alerting rule evaluates without error on
 * what the apps really export.
 */
describe('observability: Prometheus scrapes the four apps and evaluates Kanshi’s rules (real Prometheus, Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir: string;
  let base: string;
  let jobs: Record<'api' | 'gateway' | 'engine' | 'worker', string>;

  const query = async (promql: string): Promise<PromSample[]> => {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data?: { result: PromSample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? body.status}`);
    return body.data?.result ?? [];
  };

  /** Resolves once `promql` gives a value at least `atLeast` (one series, or their sum). */
  const valueReaches = (promql: string, atLeast: number) =>
    waitFor(`Prometheus to see ${promql} ≥ ${atLeast}`, async () => {
      const total = (await query(promql)).reduce((sum, s) => sum + Number(s.value[1]), 0);
      return total >= atLeast ? total : undefined;
    }, 60_000, 500);

  beforeAll(async () => {
    const binary = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
    if (!binary) throw new Error('prometheus is not installed: `npm test` installs Debian\'s `prometheus` package (apt-get install prometheus)');
    kanshi = await startKanshi();
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('observed'), []);
    await kanshi.engineKnowsTenant(tenant.tenantId);

    // The shipped scrape configuration, pointed at this run's ports (the shipped one names the
    // default ports 3000 to 3003), scraping and evaluating every second.
    const ports: Record<string, number> = {
      '3000': (kanshi.apiHttp.address() as AddressInfo).port,
      '3001': (kanshi.gatewayHttp.address() as AddressInfo).port,
      '3002': kanshi.engine.get(OpsServerHost).port ?? 0,
      '3003': kanshi.worker.get(OpsServerHost).port ?? 0,
    };
    const shipped = parse(readFileSync(join(OBSERVABILITY, 'prometheus.yml'), 'utf8')) as { scrape_configs: ScrapeConfig[]; rule_files?: string[]; [key: string]: unknown };
    const found: Partial<Record<keyof typeof jobs, string>> = {};
    const roles: Record<string, keyof typeof jobs> = { '3000': 'api', '3001': 'gateway', '3002': 'engine', '3003': 'worker' };
    const scrapeConfigs = shipped.scrape_configs.map((scrape) => ({
      ...scrape,
      static_configs: scrape.static_configs.map(({ targets }) => ({
        targets: targets.map((target) => {
          const port = target.split(':').at(-1) ?? '';
          const role = roles[port];
          if (!role) throw new Error(`the shipped prometheus.yml scrapes ${target}, not one of Kanshi's default ports`);
          found[role] = scrape.job_name;
          return `127.0.0.1:${ports[port] ?? 0}`;
        }),
      })),
    }));
    expect(Object.keys(found).sort()).toEqual(['api', 'engine', 'gateway', 'worker']);
    jobs = found as typeof jobs;
    dir = mkdtempSync(join(tmpdir(), 'kanshi-prometheus-'));
    const config = {
      ...shipped,
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
      rule_files: (shipped.rule_files ?? []).map((file) => join(OBSERVABILITY, file)),
      scrape_configs: scrapeConfigs,
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    prometheus = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    await waitFor('Prometheus to be ready', async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${prometheusLog.slice(-2000)}`);
      return (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok || undefined;
    }, 30_000, 200);
  });

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await kanshi?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes all four apps', async () => {
    await waitFor('every app to be scraped', async () => {
      const up = await query('up');
      const healthy = up.filter((s) => s.value[1] === '1').map((s) => s.metric['job']);
      return Object.values(jobs).every((job) => healthy.includes(job)) ? true : undefined;
    }, 30_000, 500);
  });

  it('shows the pipeline’s work under the documented names: records, dead letters, jobs, alerts, requests', async () => {
    const modelId = uniqueId('unlisted');
    await kanshi.produce([telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId })]);
    // Unsigned: refused as UNAUTHENTICATED.
    const producer = kanshi.kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: [{ key: telemetryKey(tenant.tenantId, modelId), value: 'not signed' }] });
    await producer.disconnect();
    await request(kanshi.apiHttp).get('/v1/alerts').set('Authorization', `Bearer ${tenant.keys.viewer}`).expect(200);

    await valueReaches(`kanshi_engine_records_consumed_total{job="${jobs.engine}"}`, 2);
    await valueReaches(`kanshi_engine_events_evaluated_total{job="${jobs.engine}"}`, 1);
    await valueReaches(`kanshi_engine_dead_letters_total{job="${jobs.engine}",reason="UNAUTHENTICATED"}`, 1);
    await valueReaches(`kanshi_engine_findings_total{job="${jobs.engine}",rule="G1"}`, 1);
    await valueReaches(`kanshi_queue_jobs_enqueued_total{job="${jobs.engine}",queue="alerts"}`, 1);
    await valueReaches(`kanshi_engine_batch_duration_seconds_count{job="${jobs.engine}",outcome="ok"}`, 1);
    await valueReaches(`kanshi_engine_partitions_assigned{job="${jobs.engine}"}`, 1);
    await valueReaches(`kanshi_alerts_created_total{job="${jobs.worker}"}`, 1);
    await valueReaches(`kanshi_queue_job_duration_seconds_count{job="${jobs.worker}",queue="alerts",outcome="completed"}`, 1);
    await valueReaches(`kanshi_http_request_duration_seconds_count{job="${jobs.api}",route="/v1/alerts",status="200"}`, 1);
    // Gauges that exist whether or not anything waits.
    expect((await query(`kanshi_queue_jobs{job="${jobs.worker}",queue="alerts"}`)).map((s) => s.metric['state']).sort()).toEqual(['active', 'delayed', 'failed', 'prioritized', 'waiting']);
    expect(await query(`kanshi_engine_consumer_lag{job="${jobs.engine}"}`)).not.toHaveLength(0);
    for (const job of Object.values(jobs)) await valueReaches(`kanshi_process_resident_memory_bytes{job="${job}"}`, 1);
  });

  it('evaluates every shipped alerting rule on the real series without an error', async () => {
    const groups = await waitFor('every rule to have been evaluated', async () => {
      const body = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: RuleGroup[] } };
      const rules = body.data.groups.flatMap((g) => g.rules);
      return rules.length > 0 && rules.every((r) => !r.lastEvaluation.startsWith('0001-')) ? body.data.groups : undefined;
    }, 30_000, 500);
    const failing = groups.flatMap((g) => g.rules.filter((r) => r.health !== 'ok').map((r) => `${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`));
    expect(failing).toEqual([]);
    expect(groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting').length).toBeGreaterThanOrEqual(8);
  });

  it('answers the engine’s and the worker’s probes on their operations ports', async () => {
    for (const app of [kanshi.engine, kanshi.worker]) {
      const port = app.get(OpsServerHost).port ?? 0;
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      const ready = await waitFor('the app to be ready', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
        return response.status === 200 ? ((await response.json()) as { status: string; checks: Record<string, unknown> }) : undefined;
      });
      expect(ready.status).toBe('up');
      expect(Object.keys(ready.checks)).toEqual(expect.arrayContaining(['postgres', 'redis']));
    }
  });
});
