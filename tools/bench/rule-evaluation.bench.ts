import { validateTelemetryEvent, type TelemetryEvent } from '@kanshi/contracts';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { FindingCollector, PolicyEvaluator, SectorModuleRegistry } from '@kanshi/policy-core';
import { getSectorModuleOptions } from '@kanshi/policy-sdk';
import { FLEET_KINDS, MIX_START, MIX_STEP_MS, MIX_TENANTS, TelemetryMix } from './telemetry-mix';

/**
 * Micro-benchmark of rule evaluation on one core: the engine's per-event cost (route, evaluate
 * every rule routed to the event, group the findings into alert jobs per batch of 500) over a
 * realistic telemetry mix for a few hundred models, with all built-in sector modules and with
 * each one alone; then the cost of firing the rules' timers (`advanceTo`), called once per second
 * of event time as the engine's clock does. Events come from a seeded generator, in event-time
 * order; about 1% break a rule. Prints figures; asserts nothing.
 *   npm run bench:rules [-- --seconds 3]
 */
/** Measured seconds per case by default; `--seconds` sets it from the command line. */
export const RULE_BENCH_SECONDS = 3;
const BATCH = 500;
const WARMUP_EVENTS = 20_000;
const TICK_MS = 1000;

export interface CaseResult {
  readonly rules: number;
  readonly events: number;
  readonly evaluateNs: number;
  readonly findings: number;
  readonly ticks: number;
  readonly tickNs: number;
  readonly timerFindings: number;
}

/** Runs one registry over the same seeded stream for about `seconds` of measured time (also called by the pipeline bench's `micro` scenario). */
export function runCase(modules: readonly unknown[], seconds: number = RULE_BENCH_SECONDS): CaseResult {
  const registry = SectorModuleRegistry.load(modules);
  const evaluator = new PolicyEvaluator(registry);
  const workload = new TelemetryMix();
  const totals = { rules: registry.rules.length, events: 0, evaluateNs: 0, findings: 0, ticks: 0, tickNs: 0, timerFindings: 0 };
  let clock = MIX_START;
  for (let warm = 0; totals.evaluateNs + totals.tickNs < seconds * 1e9; ) {
    const batch = workload.next(BATCH);
    const collector = new FindingCollector();
    const t0 = process.hrtime.bigint();
    for (const event of batch) evaluator.evaluate(event, workload.lookup(event.tenant_id, event.model_id), collector);
    collector.toJobs();
    const t1 = process.hrtime.bigint();
    const timers = new FindingCollector();
    const end = Date.parse((batch.at(-1) as TelemetryEvent).timestamp);
    let calls = 0;
    for (; clock + TICK_MS <= end; clock += TICK_MS, calls += 1) evaluator.tick(clock + TICK_MS, workload.lookup, timers);
    timers.toJobs();
    const t2 = process.hrtime.bigint();
    if (warm < WARMUP_EVENTS) {
      warm += batch.length;
      continue;
    }
    totals.events += batch.length;
    totals.evaluateNs += Number(t1 - t0);
    totals.findings += collector.findingCount;
    totals.ticks += calls;
    totals.tickNs += Number(t2 - t1);
    totals.timerFindings += timers.findingCount;
  }
  return totals;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const perSecond = (nsPerEvent: number): string => `${int(1e9 / nsPerEvent / 1000)}k/s`;

function main(): void {
  const secondsArg = process.argv.indexOf('--seconds');
  const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : RULE_BENCH_SECONDS;
  // The stream itself: every sampled event must pass the contract the engine enforces.
  const sample = new TelemetryMix();
  const invalid = sample.next(5000).filter((e) => !validateTelemetryEvent(e).ok);
  if (invalid.length > 0) throw new Error(`${invalid.length} generated events break the telemetry contract, e.g. ${JSON.stringify(invalid[0])}`);
  sample.next(95_000);
  const mix = [...sample.counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / sample.generated).toFixed(1)}%`);

  process.stdout.write(`rule evaluation, one core, about ${seconds}s measured per case (node ${process.version}, ${process.platform}/${process.arch})\n`);
  process.stdout.write(`fleet: ${sample.fleet.length} models in ${MIX_TENANTS.length} tenants (${FLEET_KINDS.map((k) => `${k.count} ${k.sector}`).join(', ')})\n`);
  process.stdout.write(`mix of 100k events: ${mix.join(', ')}; ${((100 * sample.violating) / sample.generated).toFixed(1)}% break a rule\n`);
  process.stdout.write(`event time advances ${MIX_STEP_MS} ms per event on average; findings grouped per batch of ${BATCH}; ${int(WARMUP_EVENTS)} events of warm-up per case\n\n`);

  const cases: [string, readonly unknown[]][] = [
    ['all modules', BUILT_IN_SECTOR_MODULES],
    ...BUILT_IN_SECTOR_MODULES.map((m): [string, readonly unknown[]] => [`${getSectorModuleOptions(m)?.id ?? 'module'} alone`, [m]]),
  ];
  process.stdout.write(
    `${'case'.padEnd(22)}${'rules'.padStart(6)}${'events'.padStart(12)}${'ns/event'.padStart(10)}${'events/s'.padStart(11)}${'findings'.padStart(10)}` +
      `${'advanceTo'.padStart(11)}${'ns/call'.padStart(9)}${'ns/event'.padStart(10)}${'timer findings'.padStart(16)}\n`,
  );
  for (const [name, modules] of cases) {
    const r = runCase(modules, seconds);
    const nsPerEvent = r.evaluateNs / r.events;
    process.stdout.write(
      `${name.padEnd(22)}${String(r.rules).padStart(6)}${int(r.events).padStart(12)}${int(nsPerEvent).padStart(10)}${perSecond(nsPerEvent).padStart(11)}${int(r.findings).padStart(10)}` +
        `${int(r.ticks).padStart(11)}${int(r.tickNs / Math.max(1, r.ticks)).padStart(9)}${int(r.tickNs / r.events).padStart(10)}${int(r.timerFindings).padStart(16)}\n`,
    );
  }
  process.stdout.write(
    '\nns/event: evaluate (routing, every routed rule, state and timers set) plus grouping findings into alert jobs.\n' +
      'advanceTo: one call per second of event time, as the engine ticks; ns/event spreads its cost over the events.\n',
  );
}

// Run as a script (npm run bench:rules); imported, it only provides runCase.
if (require.main === module) main();
