import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { RaiseAlertJob } from '@kanshi/contracts';
import { raiseJobs, stormFingerprints, stormRules } from './alert-findings';
import { freePort, round, sleep } from './bench-support';
import { startProcess, type RunningApp } from './child-app';
import { cpuSnapshot, cpuUsed } from './cpu-accounting';
import { ScenarioSkipped, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './scenario';

/** Debian's package and the program it installs. */
const PACKAGE = 'prometheus-alertmanager';
const PROGRAMS = ['prometheus-alertmanager', 'alertmanager'] as const;
/** Alerts per request, as Prometheus sends them to an Alertmanager (its notifier's batch size). */
const BATCH = 64;
/**
 * Requests in flight at once: Prometheus's notifier sends one batch at a time, but an
 * Alertmanager takes several Prometheus servers; on this machine 4 gave it 1.5× the rate of one
 * (8: no more). Kanshi is compared with its best.
 */
const SENDERS = 4;
/** How long installing the package may take before the scenario gives up and is skipped. */
const INSTALL_TIMEOUT_MS = 180_000;

/** The alert-path figures this scenario sets itself beside. */
const KANSHI_FINDINGS = 'findings persisted';
const KANSHI_ALERTS = 'alerts persisted';
const KANSHI_STORED = 'all alerts stored (first findings; as Alertmanager shows them)';

function onPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The Alertmanager program: installed already, or installed now from Debian's packages the way
 * `scripts/test.sh` installs what the tests need (as root, or with sudo that asks no password).
 */
function alertmanagerProgram(log: (message: string) => void): string {
  const found = () => PROGRAMS.map(onPath).find((p) => p !== undefined);
  const existing = found();
  if (existing) return existing;
  if (process.platform !== 'linux' || !onPath('apt-get')) throw new ScenarioSkipped(`${PACKAGE} is not installed and this machine has no apt-get; install Alertmanager 0.25 or later to compare with it`);
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? 'apt-get' : 'sudo';
  const prefix = asRoot ? [] : ['-n', 'apt-get'];
  log(`alertmanager: installing Debian's ${PACKAGE}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync(command, [...prefix, 'install', '-y', PACKAGE], { env, timeout: INSTALL_TIMEOUT_MS, encoding: 'utf8' });
  let outcome = install();
  if (outcome.status !== 0) {
    spawnSync(command, [...prefix, 'update'], { env, timeout: INSTALL_TIMEOUT_MS, encoding: 'utf8' });
    outcome = install();
  }
  const installed = found();
  if (!installed) {
    const why = (outcome.stderr || outcome.error?.message || `exit ${String(outcome.status)}`).trim().split('\n').slice(-1)[0];
    throw new ScenarioSkipped(`${PACKAGE} could not be installed (${why}); run 'apt-get install ${PACKAGE}' and retry`);
  }
  return installed;
}

/** One Alertmanager alert per finding: the fingerprint's identity as labels, the finding as annotations. */
interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
}

/**
 * Each finding as Prometheus would send it: the labels name the alert (tenant, model, rule,
 * scope: the same identity as Kanshi's fingerprint, so both count the same alerts); severity
 * goes in an annotation, since a label that changes would make it another alert.
 */
export function postableAlerts(jobs: readonly RaiseAlertJob[]): PostableAlert[] {
  return jobs.flatMap((job) =>
    job.findings.map((finding) => ({
      labels: { alertname: job.rule_id, tenant: job.tenant_id, model: job.model_id, scope: job.scope },
      annotations: { severity: finding.severity, event_id: finding.event_id, observed: JSON.stringify(finding.observed ?? null), title: job.title },
      startsAt: finding.occurred_at,
    })),
  );
}

/** A route that groups as Kanshi does (model and severity stand in for tenant, model, rule) and a receiver that sends nothing. */
const CONFIG = `route:
  receiver: discard
  group_by: ['tenant', 'model', 'alertname']
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 4h
receivers:
  - name: discard
`;

async function waitReady(base: string, am: RunningApp, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (am.exited) throw new Error(`Alertmanager exited at start: ${am.output()}`);
    try {
      if ((await fetch(`${base}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Alertmanager was not ready within 30 s: ${am.output()}`);
    await sleep(100, signal);
  }
}

async function activeAlerts(base: string): Promise<number> {
  const response = await fetch(`${base}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`);
  if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}`);
  return ((await response.json()) as unknown[]).length;
}

/**
 * The peer of the alert path: Prometheus Alertmanager, fed the same findings as the alert-path
 * scenario in batches of 64 as Prometheus posts them, from several senders. Measured: findings
 * accepted per second, and how soon all the alerts show in its API (alerts/s). It keeps alerts in
 * memory; Kanshi commits each to PostgreSQL. Printed beside Kanshi's figures of the same run.
 */
async function run(context: BenchContext): Promise<ScenarioResult> {
  const { signal } = context;
  const program = alertmanagerProgram((m) => context.log(m));
  const printed = spawnSync(program, ['--version'], { encoding: 'utf8' });
  // Alertmanager prints its version on stderr.
  const version = `${printed.stderr}\n${printed.stdout}`.trim().split('\n')[0]?.trim() || 'unknown';
  const fingerprints = stormFingerprints(context.quick);
  const tenantId = `bench-${context.runId}-alerts`;
  const { jobs, findings } = raiseJobs(tenantId, fingerprints, stormRules(), context.runId);
  const alerts = postableAlerts(jobs);
  const bodies: string[] = [];
  for (let i = 0; i < alerts.length; i += BATCH) bodies.push(JSON.stringify(alerts.slice(i, i + BATCH)));

  const dir = mkdtempSync(join(tmpdir(), 'kanshi-bench-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), CONFIG);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const am = startProcess(
    program,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    'alertmanager',
    {},
  );
  try {
    await waitReady(base, am, signal);
    context.log(`alertmanager: ${version}; posting ${findings.toLocaleString('en-US')} findings over ${fingerprints.toLocaleString('en-US')} fingerprints in ${bodies.length.toLocaleString('en-US')} requests of ${BATCH}`);
    const before = cpuSnapshot({ alertmanager: am.pid, bench: process.pid }, []);
    const started = Date.now();
    // Shown: polled alongside the posting, from a second connection.
    let shownAt: number | undefined;
    let posted = false;
    const watching = (async () => {
      while (shownAt === undefined && Date.now() - started < 120_000) {
        signal.throwIfAborted();
        if ((await activeAlerts(base)) >= fingerprints) shownAt = Date.now();
        else await sleep(posted ? 50 : 250, signal);
      }
    })();
    let next = 0;
    const sender = async () => {
      for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
        signal.throwIfAborted();
        const response = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`POST /api/v2/alerts answered ${response.status}`);
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const acceptedAt = Date.now();
    posted = true;
    await watching;
    const cpu = cpuUsed(before, cpuSnapshot({ alertmanager: am.pid, bench: process.pid }, []));
    if (shownAt === undefined) throw new Error(`Alertmanager did not show all ${fingerprints} alerts within 120 s`);
    const acceptSeconds = (acceptedAt - started) / 1000;
    const shownSeconds = (shownAt - started) / 1000;
    const amFindings = findings / acceptSeconds;
    const amAlerts = fingerprints / shownSeconds;
    const figures: Figure[] = [
      { name: 'Alertmanager: findings accepted', value: round(amFindings), unit: 'findings/s' },
      { name: 'Alertmanager: all alerts shown', value: round(amAlerts), unit: 'alerts/s' },
    ];
    const notes = [
      `${version}, one process on loopback, clustering off, a route that groups by tenant, model and rule into a receiver that sends nothing (group_wait 1h, as the alert-path scenario sets for Kanshi).`,
      `Each finding is posted as one alert (labels: rule, tenant, model, scope; severity and evidence as annotations), ${BATCH} to a request as Prometheus's notifier sends, ${SENDERS} requests in flight (as from several Prometheus servers: Alertmanager's best here). "Shown" is when GET /api/v2/alerts lists every fingerprint (polled from a second connection).`,
      `Alertmanager keeps alerts in memory (a snapshot to disk every 15 minutes); Kanshi commits every finding and alert to PostgreSQL before a job is done.`,
      `CPU while posting and showing: Alertmanager ${round(cpu.groups.get('alertmanager') ?? 0, 1)} s, the bench (its client) ${round(cpu.groups.get('bench') ?? 0, 1)} s; machine ${Math.round(cpu.machineBusy * 100)}% busy.`,
    ];
    const kanshi = context.results.get('alert-path');
    const kanshiFindings = kanshi?.figures.find((f) => f.name === KANSHI_FINDINGS)?.value;
    const kanshiAlerts = kanshi?.figures.find((f) => f.name === KANSHI_ALERTS)?.value;
    const kanshiStored = kanshi?.figures.find((f) => f.name === KANSHI_STORED)?.value;
    if (kanshiFindings !== undefined && kanshiAlerts !== undefined) {
      figures.push(
        { name: 'Kanshi: findings persisted (alert-path, this run)', value: kanshiFindings, unit: 'findings/s' },
        { name: 'Kanshi: alerts persisted (alert-path, this run)', value: kanshiAlerts, unit: 'alerts/s' },
        { name: 'findings/s, Kanshi ÷ Alertmanager', value: round(kanshiFindings / amFindings, 3), unit: '×', goal: { op: '>=', value: 1 } },
        { name: 'alerts/s, Kanshi (all findings) ÷ Alertmanager (all shown)', value: round(kanshiAlerts / amAlerts, 3), unit: '×' },
      );
      if (kanshiStored !== undefined) figures.push({ name: 'all alerts there, Kanshi (stored) ÷ Alertmanager (shown)', value: round(kanshiStored / amAlerts, 3), unit: '×' });
    } else {
      notes.push('The alert-path scenario did not run in this run (or failed), so no ratio is printed: run both, e.g. `--only alert-path,alertmanager`.');
    }
    return {
      id: 'alertmanager',
      title: alertmanagerScenario.title,
      figures,
      settings: { findings, fingerprints, alertsPerRequest: BATCH, senders: SENDERS, requests: bodies.length, acceptSeconds: round(acceptSeconds, 2), shownSeconds: round(shownSeconds, 2), version },
      notes,
    };
  } finally {
    await am.stop(5000);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const alertmanagerScenario: Scenario = {
  id: 'alertmanager',
  title: 'Alertmanager (peer): the alert-path findings posted to Prometheus Alertmanager',
  deadlineMs: ({ quick }) => (quick ? 120_000 : 600_000),
  run,
};
