import { TELEMETRY_SCHEMA_VERSION, validateTelemetryEvent, type EventType, type Sector, type TelemetryEvent } from '@kanshi/contracts';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { FindingCollector, PolicyEvaluator, SectorModuleRegistry } from '@kanshi/policy-core';
import { getSectorModuleOptions, modelProfile, type ModelProfile } from '@kanshi/policy-sdk';
import { SeededRandom } from '@kanshi/testing';

/**
 * Micro-benchmark of rule evaluation on one core: the engine's per-event cost (route, evaluate
 * every rule routed to the event, group the findings into alert jobs per batch of 500) over a
 * realistic telemetry mix for a few hundred models, with all built-in sector modules and with
 * each one alone; then the cost of firing the rules' timers (`advanceTo`), called once per second
 * of event time as the engine's clock does. Events come from a seeded generator, in event-time
 * order; about 1% break a rule. Prints figures; asserts nothing.
 *   npm run bench:rules [-- --seconds 3]
 */
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 3;
const SEED = 20260302;
const BATCH = 500;
const WARMUP_EVENTS = 20_000;
/** Mean event-time gap: 20 events/s over the fleet (about 135 predictions an hour per model), so a few seconds of evaluation cover hours and hourly windows close. */
const STEP_MS = 50;
const START = Date.parse('2026-03-02T00:00:00Z');
const TICK_MS = 1000;

type Kind = 'credit' | 'device' | 'recommender' | 'assistant';

interface FleetModel {
  readonly kind: Kind;
  readonly profile: ModelProfile;
  readonly version: string;
  readonly hash: string;
  /** Trace ids of recent predictions, for explanations and reviews. */
  readonly traces: string[];
}

const KINDS: readonly { kind: Kind; sector: Sector; count: number }[] = [
  { kind: 'credit', sector: 'finance', count: 128 },
  { kind: 'device', sector: 'medical', count: 80 },
  { kind: 'recommender', sector: 'platform', count: 64 },
  { kind: 'assistant', sector: 'general', count: 48 },
];
const TENANTS = ['bank-a', 'bank-b', 'hospital-c', 'media-d'];

function buildFleet(random: SeededRandom): FleetModel[] {
  const fleet: FleetModel[] = [];
  for (const { kind, sector, count } of KINDS) {
    for (let i = 0; i < count; i += 1) {
      const version = `${random.int(1, 5)}.${random.int(0, 9)}.${random.int(0, 20)}`;
      const hash = `sha256:${random.text(12).toLowerCase()}`;
      const profile = modelProfile({
        tenantId: TENANTS[i % TENANTS.length] as string,
        modelId: `${kind}-${i}`,
        sectors: [sector],
        riskTier: kind === 'credit' ? (i % 3 === 0 ? 'T1' : 'T2') : kind === 'device' ? 'class-II' : 'T3',
        owner: `${kind}-owners@example.com`,
        intendedUse: `${kind} model`,
        approvedUseScope: kind === 'credit' ? ['unsecured_personal_loan', 'mortgage', 'salaried', 'self_employed'] : [],
        approvedVersions: [{ version, hash }],
        changePlan: kind === 'device' ? { ref: 'PCCP-1', scope: ['retrain', 'threshold'] } : null,
        lastValidatedAt: '2026-01-15',
        privacyAssessmentRefs: ['DPIA-2026-001'],
      });
      fleet.push({ kind, profile, version, hash, traces: [] });
    }
  }
  return fleet;
}

/** Seeded telemetry for the fleet, in event-time order. */
class Workload {
  readonly random = new SeededRandom(SEED);
  readonly fleet = buildFleet(this.random);
  readonly byKey = new Map(this.fleet.map((m) => [`${m.profile.tenantId}\u0000${m.profile.modelId}`, m.profile]));
  readonly counts = new Map<string, number>();
  violating = 0;
  generated = 0;
  private ids = 0;
  time = START;
  /** Explanations owed to credit decisions, sent a few events later. */
  private readonly owed: TelemetryEvent[] = [];

  lookup = (tenantId: string, modelId: string): ModelProfile | undefined => this.byKey.get(`${tenantId}\u0000${modelId}`);

  next(n: number): TelemetryEvent[] {
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < n; i += 1) {
      this.time += this.random.int(0, 2 * STEP_MS);
      const owed = this.owed.length > 0 && this.random.next() < 0.5 ? this.owed.shift() : undefined;
      const event = owed ? { ...owed, timestamp: new Date(this.time).toISOString() } : this.fresh();
      this.counts.set(event.event_type, (this.counts.get(event.event_type) ?? 0) + 1);
      this.generated += 1;
      events.push(event);
    }
    return events;
  }

  private fresh(): TelemetryEvent {
    const model = this.random.pick(this.fleet);
    const r = this.random.next();
    const violate = this.random.next() < 0.01;
    if (violate) this.violating += 1;
    if (r < 0.8) return this.prediction(model, violate);
    if (r < 0.84) return this.review(model);
    if (r < 0.9) return this.drift(model, violate);
    if (r < 0.96) return this.performance(model);
    if (r < 0.975) return this.dataUsage(model, violate);
    if (r < 0.99) return this.incident(model, violate);
    return this.deployment(model, violate);
  }

  private envelope(model: FleetModel, eventType: EventType, payload: Record<string, unknown>, extra: Partial<TelemetryEvent> = {}): TelemetryEvent {
    return {
      schema_version: TELEMETRY_SCHEMA_VERSION,
      event_id: `ev-${SEED}-${(this.ids += 1)}`,
      event_type: eventType,
      timestamp: new Date(this.time).toISOString(),
      tenant_id: model.profile.tenantId,
      model_id: model.profile.modelId,
      model_version: model.version,
      model_hash: model.hash,
      environment: 'production',
      jurisdiction: 'JP',
      payload,
      ...extra,
    };
  }

  private prediction(model: FleetModel, violate: boolean): TelemetryEvent {
    const trace = `tr-${this.generated}`;
    model.traces.push(trace);
    if (model.traces.length > 20) model.traces.shift();
    const payload: Record<string, unknown> = { input_hash: this.random.text(16), score: this.random.next(), decision_impact: 'low' };
    const extra: Partial<TelemetryEvent> = { trace_id: trace };
    switch (model.kind) {
      case 'credit': {
        Object.assign(payload, {
          decision: this.random.next() < 0.85 ? 'approve' : 'decline',
          segment: this.random.pick(['salaried', 'self_employed']),
          use_scope: violate ? 'crypto_lending' : this.random.pick(['unsecured_personal_loan', 'mortgage']),
          restricted_attributes: { age_band: this.random.pick(['20-29', '30-39', '40-49']) },
        });
        const event = this.envelope(model, 'prediction', payload, extra);
        this.owed.push(this.envelope(model, 'explanation', { trace_id: trace, reason_codes: ['DTI_HIGH', 'SHORT_TENURE'], method: 'shap' }, extra));
        return event;
      }
      case 'device':
        Object.assign(payload, { output: { nodule: this.random.next() < 0.1 }, clinician_action: 'confirm', out_of_distribution: false });
        // A build nobody approved: M1 (once per version and hash), the rest of the rules as usual.
        if (violate) extra.model_hash = 'sha256:unapproved00';
        break;
      case 'recommender':
        Object.assign(payload, { output: { items: 10 } });
        break;
      case 'assistant':
        Object.assign(payload, { generative: true, ai_generated_label: !violate, guardrail_violation: false, customer_facing: true });
        break;
      default: {
        const never: never = model.kind;
        throw new Error(`unknown kind ${String(never)}`);
      }
    }
    return this.envelope(model, 'prediction', payload, extra);
  }

  private review(model: FleetModel): TelemetryEvent {
    const trace = model.traces.at(-1) ?? `tr-none-${this.generated}`;
    return this.envelope(model, 'human_override', { trace_id: trace, reviewer_role: 'officer', action: this.random.next() < 0.8 ? 'confirm' : 'override' }, { trace_id: trace });
  }

  private drift(model: FleetModel, violate: boolean): TelemetryEvent {
    const value = violate ? 0.4 : 0.01 + this.random.next() * 0.05;
    return this.envelope(model, 'drift_metric', { feature: this.random.pick(['score', 'annual_income', 'age']), metric: 'psi', value, window: '24h', baseline_ref: 'validation' });
  }

  private performance(model: FleetModel): TelemetryEvent {
    if (model.kind === 'device') {
      const n = 40;
      return this.envelope(model, 'performance_metric', { metric: 'sensitivity', value: 0.95, ci_low: 0.9, ci_high: 0.98, n, window: '1d', approved_claim: 0.85, dataset_ref: 'real_world' });
    }
    if (this.random.next() < 0.3) return this.envelope(model, 'performance_metric', { metric: 'availability', value: 0.999, n: 1000 });
    return this.envelope(model, 'performance_metric', { metric: 'auc', value: 0.8 + this.random.next() * 0.01, baseline: 0.805, n: 5000, window: '7d' });
  }

  private dataUsage(model: FleetModel, violate: boolean): TelemetryEvent {
    return this.envelope(model, 'data_usage', {
      dataset_id: `ds-${this.random.int(1, 50)}`,
      purpose: 'training',
      data_categories: ['personal'],
      legal_basis: violate ? 'legitimate_interest' : 'consent',
      consent_ref: 'CONSENT-1',
      privacy_assessment_ref: 'DPIA-2026-001',
      data_quality_report_ref: 'DQ-1',
    });
  }

  private incident(model: FleetModel, violate: boolean): TelemetryEvent {
    const awareness = new Date(this.time - 3_600_000).toISOString();
    const handled = violate ? {} : { ack_time: awareness, root_cause_time: new Date(this.time).toISOString() };
    return this.envelope(model, 'incident', {
      incident_id: `INC-${this.generated}`,
      type: 'malfunction',
      severity: violate ? 'high' : 'low',
      patient_harm: 'none',
      awareness_time: awareness,
      affects_device_software: false,
      ...handled,
    });
  }

  private deployment(model: FleetModel, violate: boolean): TelemetryEvent {
    return this.envelope(model, 'model_deployment', {
      version: violate ? '9.9.9' : model.version,
      hash: model.hash,
      approval_status: 'approved',
      change_type: 'retrain',
      change_plan_ref: 'PCCP-1',
    });
  }
}

interface CaseResult {
  readonly rules: number;
  readonly events: number;
  readonly evaluateNs: number;
  readonly findings: number;
  readonly ticks: number;
  readonly tickNs: number;
  readonly timerFindings: number;
}

/** Runs one registry over the same seeded stream for about SECONDS of measured time. */
function runCase(modules: readonly unknown[]): CaseResult {
  const registry = SectorModuleRegistry.load(modules);
  const evaluator = new PolicyEvaluator(registry);
  const workload = new Workload();
  const totals = { rules: registry.rules.length, events: 0, evaluateNs: 0, findings: 0, ticks: 0, tickNs: 0, timerFindings: 0 };
  let clock = START;
  for (let warm = 0; totals.evaluateNs + totals.tickNs < SECONDS * 1e9; ) {
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
  // The stream itself: every sampled event must pass the contract the engine enforces.
  const sample = new Workload();
  const invalid = sample.next(5000).filter((e) => !validateTelemetryEvent(e).ok);
  if (invalid.length > 0) throw new Error(`${invalid.length} generated events break the telemetry contract, e.g. ${JSON.stringify(invalid[0])}`);
  sample.next(95_000);
  const mix = [...sample.counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / sample.generated).toFixed(1)}%`);

  process.stdout.write(`rule evaluation, one core, about ${SECONDS}s measured per case (node ${process.version}, ${process.platform}/${process.arch})\n`);
  process.stdout.write(`fleet: ${sample.fleet.length} models in ${TENANTS.length} tenants (${KINDS.map((k) => `${k.count} ${k.sector}`).join(', ')})\n`);
  process.stdout.write(`mix of 100k events: ${mix.join(', ')}; ${((100 * sample.violating) / sample.generated).toFixed(1)}% break a rule\n`);
  process.stdout.write(`event time advances ${STEP_MS} ms per event on average; findings grouped per batch of ${BATCH}; ${int(WARMUP_EVENTS)} events of warm-up per case\n\n`);

  const cases: [string, readonly unknown[]][] = [
    ['all modules', BUILT_IN_SECTOR_MODULES],
    ...BUILT_IN_SECTOR_MODULES.map((m): [string, readonly unknown[]] => [`${getSectorModuleOptions(m)?.id ?? 'module'} alone`, [m]]),
  ];
  process.stdout.write(
    `${'case'.padEnd(22)}${'rules'.padStart(6)}${'events'.padStart(12)}${'ns/event'.padStart(10)}${'events/s'.padStart(11)}${'findings'.padStart(10)}` +
      `${'advanceTo'.padStart(11)}${'ns/call'.padStart(9)}${'ns/event'.padStart(10)}${'timer findings'.padStart(16)}\n`,
  );
  for (const [name, modules] of cases) {
    const r = runCase(modules);
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

main();
