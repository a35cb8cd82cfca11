import {
  decodeTelemetryEvent,
  describeIssues,
  type ClearAlertJob,
  type DeadLetterReason,
  type RaiseAlertJob,
} from '@kanshi/contracts';
import type { ModelDeployment, ModelInventory, TelemetrySeen } from './model-inventory';
import { FindingCollector, type PolicyEvaluator, type RuleFailure } from './policy-evaluator';

/** One Kafka record as the engine receives it. */
export interface TelemetryRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** A record the engine cannot use, and why, for the dead-letter topic. */
export interface DeadLetter {
  readonly record: TelemetryRecord;
  readonly reason: DeadLetterReason;
  readonly error: string;
}

/** What one batch produced: records to dead-letter, alert jobs to enqueue, and counts. */
export interface BatchOutcome {
  readonly evaluated: number;
  readonly findings: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly alertJobs: readonly RaiseAlertJob[];
  /** Recovery judgements of rules that auto-resolve their alerts. */
  readonly clearJobs: readonly ClearAlertJob[];
  readonly ruleFailures: readonly RuleFailure[];
  /** The latest deployment reported per inventory model, for the inventory's deployed version. */
  readonly deployments: readonly ModelDeployment[];
  /** The newest event time evaluated, epoch ms (`null` when none was). */
  readonly latestEventTime: number | null;
  /** The newest event time per inventory model, for its posture (last telemetry seen). */
  readonly telemetrySeen: readonly TelemetrySeen[];
}

/** The newest event time of one model in a batch, while the batch is read. */
interface SeenTime {
  readonly tenantId: string;
  readonly modelId: string;
  time: number;
}

/**
 * The engine's pure core: decodes, validates, routes and evaluates a batch of records. It never
 * throws on bad input; a bad record becomes a dead letter and the rest of the batch goes on.
 */
export class TelemetryBatchProcessor {
  constructor(
    private readonly evaluator: PolicyEvaluator,
    private readonly inventory: ModelInventory,
    private readonly maxEventBytes: number,
  ) {}

  /** Evaluates one record into the collector, or returns why it must be dead-lettered. */
  private evaluate(
    record: TelemetryRecord,
    collector: FindingCollector,
    owner: number | undefined,
    deployments: Map<string, ModelDeployment>,
    seen: { latestEventTime: number | null; perModel: Map<string, Map<string, SeenTime>> },
  ): DeadLetter | undefined {
    const decoded = decodeTelemetryEvent(record.value, this.maxEventBytes);
    if (!decoded.ok) return { record, reason: decoded.reason, error: describeIssues(decoded.issues) };
    const { event } = decoded;
    const keyTenant = record.key?.toString('utf8').split(':')[0];
    if (keyTenant !== undefined && keyTenant !== event.tenant_id) {
      return {
        record,
        reason: 'TENANT_MISMATCH',
        error: `record key names tenant "${keyTenant}" but the event's tenant_id is "${event.tenant_id}"; key records "tenant_id:model_id"`,
      };
    }
    if (!this.inventory.hasTenant(event.tenant_id)) {
      return {
        record,
        reason: 'UNKNOWN_TENANT',
        error: `tenant_id "${event.tenant_id}" is not a Kanshi tenant; fix tenant_id or create the tenant first`,
      };
    }
    const model = this.inventory.get(event.tenant_id, event.model_id);
    const time = Date.parse(event.timestamp);
    this.evaluator.evaluate(event, model, collector, owner, time);
    if (seen.latestEventTime === null || time > seen.latestEventTime) seen.latestEventTime = time;
    if (model) {
      // Per event: two map look-ups by the ids as they are, no key built; epoch ms until the
      // end of the batch, where each model's time becomes ISO text once.
      let ofTenant = seen.perModel.get(event.tenant_id);
      if (!ofTenant) seen.perModel.set(event.tenant_id, (ofTenant = new Map<string, SeenTime>()));
      const before = ofTenant.get(event.model_id);
      if (!before) ofTenant.set(event.model_id, { tenantId: event.tenant_id, modelId: event.model_id, time });
      else if (before.time < time) before.time = time;
    }
    if (event.event_type === 'model_deployment' && model) {
      const { version, hash } = event.payload as { version?: unknown; hash?: unknown };
      const key = `${event.tenant_id}\u0000${event.model_id}`;
      const previous = deployments.get(key);
      const deployedAt = new Date(time).toISOString();
      if (typeof version === 'string' && (!previous || previous.deployedAt <= deployedAt)) {
        deployments.set(key, { tenantId: event.tenant_id, modelId: event.model_id, version, hash: typeof hash === 'string' ? hash : null, deployedAt });
      }
    }
    return undefined;
  }

  /**
   * Evaluates the records in order. `owner` (the partition) tags the rule state they touch, for
   * checkpoints. Records dead-lettered as `UNKNOWN_TENANT` were not evaluated and may be
   * processed again once the tenant is known.
   */
  process(records: readonly TelemetryRecord[], owner?: number): BatchOutcome {
    const collector = new FindingCollector();
    const deadLetters: DeadLetter[] = [];
    const deployments = new Map<string, ModelDeployment>();
    const seen: { latestEventTime: number | null; perModel: Map<string, Map<string, SeenTime>> } = { latestEventTime: null, perModel: new Map() };
    let evaluated = 0;
    for (const record of records) {
      try {
        const dead = this.evaluate(record, collector, owner, deployments, seen);
        if (dead) deadLetters.push(dead);
        else evaluated += 1;
      } catch (error) {
        // A bug of ours must not block the partition: keep the record for a replay after the fix.
        deadLetters.push({ record, reason: 'PROCESSING_FAILED', error: error instanceof Error ? error.message : String(error) });
      }
    }
    return {
      evaluated,
      findings: collector.findingCount,
      deadLetters,
      alertJobs: collector.toJobs(),
      clearJobs: collector.toClearJobs(),
      ruleFailures: collector.failures,
      deployments: [...deployments.values()],
      latestEventTime: seen.latestEventTime,
      telemetrySeen: [...seen.perModel.values()].flatMap((m) => [...m.values()]).map((s) => ({ tenantId: s.tenantId, modelId: s.modelId, lastEventAt: new Date(s.time).toISOString() })),
    };
  }
}
