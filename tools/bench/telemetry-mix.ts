import { TELEMETRY_SCHEMA_VERSION, type EventType, type Sector, type TelemetryEvent } from '@kanshi/contracts';
import { modelProfile, type ModelProfile } from '@kanshi/policy-sdk';
import { SeededRandom } from '@kanshi/testing';

/**
 * A realistic, seeded telemetry mix for a fleet of a few hundred models in four sectors, about
 * 1% of events breaking a rule. Shared by the rule-evaluation micro-benchmark and the pipeline
 * benchmark, so both measure the same workload.
 */

export const MIX_SEED = 20260302;
/** Mean event-time gap: 20 events/s over the fleet (about 135 predictions an hour per model), so a few seconds of evaluation cover hours and hourly windows close. */
export const MIX_STEP_MS = 50;
export const MIX_START = Date.parse('2026-03-02T00:00:00Z');

export type FleetKind = 'credit' | 'device' | 'recommender' | 'assistant';

export interface FleetModel {
  readonly kind: FleetKind;
  readonly profile: ModelProfile;
  readonly version: string;
  readonly hash: string;
  /** Trace ids of recent predictions, for explanations and reviews. */
  readonly traces: string[];
}

export const FLEET_KINDS: readonly { kind: FleetKind; sector: Sector; count: number }[] = [
  { kind: 'credit', sector: 'finance', count: 128 },
  { kind: 'device', sector: 'medical', count: 80 },
  { kind: 'recommender', sector: 'platform', count: 64 },
  { kind: 'assistant', sector: 'general', count: 48 },
];

/** Tenants of the micro-benchmark; the pipeline benchmark passes tenants of its own run. */
export const MIX_TENANTS: readonly string[] = ['bank-a', 'bank-b', 'hospital-c', 'media-d'];

function buildFleet(random: SeededRandom, tenants: readonly string[]): FleetModel[] {
  const fleet: FleetModel[] = [];
  for (const { kind, sector, count } of FLEET_KINDS) {
    for (let i = 0; i < count; i += 1) {
      const version = `${random.int(1, 5)}.${random.int(0, 9)}.${random.int(0, 20)}`;
      const hash = `sha256:${random.text(12).toLowerCase()}`;
      const profile = modelProfile({
        tenantId: tenants[i % tenants.length] as string,
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

export interface TelemetryMixOptions {
  /** Tenants the fleet's models are spread over (default {@link MIX_TENANTS}). */
  readonly tenants?: readonly string[];
  /** Event ids are `<prefix>-<n>`; a run of its own needs a prefix of its own (default `ev-<seed>`). */
  readonly eventIdPrefix?: string;
  /** Event time of the stream's start, epoch ms (default {@link MIX_START}). */
  readonly start?: number;
  /**
   * Live mode: each event's time is this clock's reading (epoch ms) instead of the seeded event
   * time, for a stream produced now. The random stream is the same either way.
   */
  readonly clock?: () => number;
}

/** Seeded telemetry for the fleet, in event-time order. */
export class TelemetryMix {
  readonly random = new SeededRandom(MIX_SEED);
  readonly tenants: readonly string[];
  readonly fleet: FleetModel[];
  readonly byKey: Map<string, ModelProfile>;
  readonly counts = new Map<string, number>();
  violating = 0;
  generated = 0;
  private ids = 0;
  time = MIX_START;
  /** Explanations owed to credit decisions, sent a few events later. */
  private readonly owed: TelemetryEvent[] = [];
  private readonly eventIdPrefix: string;
  private readonly clock: (() => number) | undefined;

  constructor(options: TelemetryMixOptions = {}) {
    this.tenants = options.tenants ?? MIX_TENANTS;
    this.fleet = buildFleet(this.random, this.tenants);
    this.byKey = new Map(this.fleet.map((m) => [`${m.profile.tenantId}\u0000${m.profile.modelId}`, m.profile]));
    this.eventIdPrefix = options.eventIdPrefix ?? `ev-${MIX_SEED}`;
    this.time = options.start ?? MIX_START;
    this.clock = options.clock;
  }

  lookup = (tenantId: string, modelId: string): ModelProfile | undefined => this.byKey.get(`${tenantId}\u0000${modelId}`);

  next(n: number): TelemetryEvent[] {
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < n; i += 1) {
      // The step is drawn in live mode too, so the rest of the stream does not depend on the mode.
      this.time += this.random.int(0, 2 * MIX_STEP_MS);
      if (this.clock) this.time = this.clock();
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
      event_id: `${this.eventIdPrefix}-${(this.ids += 1)}`,
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
