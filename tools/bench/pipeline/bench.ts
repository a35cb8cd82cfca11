import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '@kanshi/config';
import { withLocalKafkaPrincipal } from '../../../infra/scripts/local-kafka';
import { prepareDataset } from './bench-dataset';
import { formatInt } from './bench-support';
import { CPU_PROF_DIR_ENV, REPO_ROOT } from './child-app';
import { machineFacts } from './machine-facts';
import { ScenarioSkipped, type BenchContext, type BenchDataset, type Figure, type Scenario, type ScenarioResult } from './scenario';
import { SCENARIOS } from './scenarios';

const USAGE = `npm run bench [-- options]: the pipeline benchmark on the real Kafka, PostgreSQL and Redis.

  --quick          small sizes and short runs (checks the harness; its figures mean nothing)
  --events N       events of the throughput scenarios (default 1,000,000; quick 5,000)
  --only id,id     run only these scenarios (in the registered order)
  --out DIR        where the JSON result goes (default bench/results/)
  --cpu-prof DIR   run the apps the scenarios start with --cpu-prof, profiles written to DIR
  --help           this text

Scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}.
Prints progress on stderr and a table on stdout; writes bench/results/<time>-<quick|full>.json.
Exit code 1 when a scenario failed (the others still run), 2 on a usage error.
`;

interface Options {
  readonly quick: boolean;
  readonly events: number;
  readonly only: readonly string[] | undefined;
  readonly out: string;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options | 'help' {
  let quick = false;
  let events: number | undefined;
  let only: string[] | undefined;
  let out = join(REPO_ROOT, 'bench', 'results');
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      i += 1;
      return next;
    };
    switch (arg) {
      case '--help':
      case '-h':
        return 'help';
      case '--quick':
        quick = true;
        break;
      case '--events': {
        const raw = value().replace(/[_,]/g, '');
        events = Number(raw);
        if (!/^\d+$/.test(raw) || events < 100 || events > 100_000_000) throw new UsageError(`--events expects a whole number from 100 to 100,000,000 (got ${raw})`);
        break;
      }
      case '--only': {
        only = value().split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = only.filter((id) => !SCENARIOS.some((s) => s.id === id));
        if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
        break;
      }
      case '--out':
        out = resolve(value());
        break;
      case '--cpu-prof':
        // Read by startApp (child-app.ts) for every app it starts.
        process.env[CPU_PROF_DIR_ENV] = resolve(value());
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { quick, events: events ?? (quick ? 5000 : 1_000_000), only, out };
}

interface ScenarioRecord extends ScenarioResult {
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly error?: string;
  readonly seconds: number;
}

/** Extra time a scenario gets when it is the one that prepares the data set. */
const datasetBudgetMs = (events: number) => 120_000 + events / 2;
/** After a deadline, how long a scenario gets to stop its processes and clean up. */
const CLEANUP_GRACE_MS = 60_000;

function goalText(goal: Figure['goal']): string {
  return goal ? `${goal.op} ${formatValue(goal.value)}` : '';
}

function met(figure: Figure): string {
  const { goal } = figure;
  if (!goal) return '';
  if (!Number.isFinite(figure.value)) return 'no';
  return (goal.op === '>=' ? figure.value >= goal.value : figure.value <= goal.value) ? 'yes' : 'NO';
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? formatInt(value) : value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function table(records: readonly ScenarioRecord[]): string {
  const rows: string[][] = [['scenario', 'figure', 'value', 'unit', 'goal', 'met?']];
  for (const r of records) {
    if (r.status === 'failed') rows.push([r.id, 'FAILED', '', '', '', (r.error ?? '').split('\n')[0]?.slice(0, 100) ?? '']);
    if (r.status === 'skipped') rows.push([r.id, 'skipped', '', '', '', (r.error ?? '').slice(0, 160)]);
    for (const f of r.figures) rows.push([r.id, f.name, formatValue(f.value), f.unit, goalText(f.goal), met(f)]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  const line = (row: readonly string[]) =>
    row.map((cell, c) => (c === 2 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd();
  const [header, ...body] = rows;
  return [line(header ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { quick, events, only, out } = options;
  // On the local broker the benchmark and the apps it starts sign in as its super user: they
  // use consumer groups and topics of the run's own, outside the apps' ACLs.
  Object.assign(process.env, withLocalKafkaPrincipal(process.env, 'kanshi-admin'));
  // The engines and workers it starts (several at once) take any free port for their operations endpoint.
  process.env['KANSHI_ENGINE_HTTP_PORT'] ??= '0';
  process.env['KANSHI_WORKER_HTTP_PORT'] ??= '0';
  const config = loadConfig();
  const started = Date.now();
  const runId = `bench-${started.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const log = (message: string) => process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  const selected: Scenario[] = SCENARIOS.filter((s) => !only || only.includes(s.id));
  log(`run ${runId}: ${quick ? 'quick' : 'full'}, ${formatInt(events)} events, scenarios ${selected.map((s) => s.id).join(', ')}`);
  const machine = await machineFacts(config);
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}; Kafka ${machine.kafka}, PostgreSQL ${machine.postgresql}, Redis ${machine.redis}`);

  const results = new Map<string, ScenarioResult>();
  const records: ScenarioRecord[] = [];
  let dataset: Promise<BenchDataset> | undefined;
  let current: AbortController | undefined;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    log('interrupted: stopping the current scenario (again to quit at once)');
    current?.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onInterrupt);

  for (const scenario of selected) {
    const controller = new AbortController();
    current = controller;
    const ownMs = scenario.deadlineMs?.({ quick, events }) ?? (quick ? 120_000 : 600_000);
    const deadlineMs = ownMs + (dataset === undefined ? datasetBudgetMs(events) : 0);
    const timer = setTimeout(() => controller.abort(new Error(`deadline of ${Math.round(deadlineMs / 1000)} s passed`)), deadlineMs);
    const context: BenchContext = {
      quick,
      events,
      config,
      runId,
      log,
      results,
      signal: controller.signal,
      dataset: () => (dataset ??= prepareDataset({ config, runId, events, log, signal: controller.signal })),
    };
    const scenarioStarted = Date.now();
    log(`▶ ${scenario.id}: ${scenario.title}`);
    const running = scenario.run(context);
    // After an abort the scenario gets a grace period to stop its processes and clean up.
    const gaveUp = new Promise<'gave-up'>((resolveGaveUp) => {
      controller.signal.addEventListener('abort', () => setTimeout(() => resolveGaveUp('gave-up'), CLEANUP_GRACE_MS).unref(), { once: true });
    });
    try {
      const outcome = await Promise.race([running, gaveUp]);
      if (outcome === 'gave-up') throw new Error(`${String(controller.signal.reason)}; the scenario did not stop within ${CLEANUP_GRACE_MS / 1000} s`);
      const seconds = (Date.now() - scenarioStarted) / 1000;
      results.set(scenario.id, outcome);
      records.push({ ...outcome, status: 'ok', seconds });
      log(`✔ ${scenario.id} in ${seconds.toFixed(1)} s`);
    } catch (error) {
      const seconds = (Date.now() - scenarioStarted) / 1000;
      if (error instanceof ScenarioSkipped) {
        records.push({ id: scenario.id, title: scenario.title, figures: [], settings: {}, notes: [], status: 'skipped', error: error.message, seconds });
        log(`– ${scenario.id} skipped: ${error.message}`);
        continue;
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      records.push({ id: scenario.id, title: scenario.title, figures: [], settings: {}, notes: [], status: 'failed', error: message, seconds });
      log(`✖ ${scenario.id} failed after ${seconds.toFixed(1)} s: ${message}`);
    } finally {
      clearTimeout(timer);
      running.catch(() => undefined);
    }
  }
  process.off('SIGINT', onInterrupt);

  const finished = Date.now();
  const failed = records.filter((r) => r.status === 'failed');
  const stamp = new Date(started).toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(out, `${stamp}-${quick ? 'quick' : 'full'}.json`);
  const result = {
    kanshi: machine.kanshi,
    runId,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    seconds: Math.round((finished - started) / 100) / 10,
    mode: quick ? 'quick' : 'full',
    settings: { events, quick, only: only ?? 'all', scenarios: selected.map((s) => s.id), argv: process.argv.slice(2) },
    machine,
    ok: failed.length === 0,
    scenarios: records,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  process.stdout.write(`\nKanshi ${machine.kanshi} pipeline benchmark, ${quick ? 'QUICK (harness check; figures mean nothing)' : 'full'}, ${formatInt(events)} events, ${machine.cpus} × ${machine.cpuModel}\n\n`);
  process.stdout.write(`${table(records)}\n\n`);
  for (const r of records) {
    const settings = Object.entries(r.settings).filter(([k]) => !k.startsWith('dataset') && !k.startsWith('produce') && !k.startsWith('seed'));
    if (settings.length > 0) process.stdout.write(`${r.id}: ${settings.map(([k, v]) => `${k}=${String(v)}`).join(', ')}\n`);
  }
  process.stdout.write(`\nresult: ${file}\n`);
  if (failed.length > 0) process.stderr.write(`${failed.length} scenario(s) failed: ${failed.map((r) => r.id).join(', ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Clients left by a scenario that gave up must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
