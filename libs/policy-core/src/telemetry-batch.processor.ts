import {
  decodeTelemetryEvent,
  describeIssues,
  REPARTITIONED_FROM_HEADER,
  telemetryKey,
  type ClearAlertJob,
  type DeadLetterReason,
  type RaiseAlertJob,
  TENANT_QUOTAS,
  type QuotaBreach,
} from '@kanshi/contracts';
import { telemetryPartition } from '@kanshi/messaging';
import type { EngineQuotas } from './engine-quotas';
import { authenticateRecord, type IngestKeyring } from './ingest-keyring';
import type { ModelDeployment, ModelInventory, RuleVerdict, TelemetrySeen } from './model-inventory';
import { FindingCollector, type PolicyEvaluator, type RuleFailure } from './policy-evaluator';

/** One Kafka record as the engine receives it. */
export interface TelemetryRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** The record's Kafka timestamp (epoch ms as text): on the telemetry topic, when the broker appended it. */
  readonly timestamp?: string;
}

/** A record the engine cannot use, and why, for the dead-letter topic. */
export interface DeadLetter {
  readonly record: TelemetryRecord;
  readonly reason: DeadLetterReason;
  readonly error: string;
  /**
   * Refused for want of something that may have been created a moment ago (a tenant, an ingest
   * key): the record was not evaluated, and is worth one more try after the inventory reloads.
   */
  readonly retryAfterRefresh?: boolean;
  /** The tenant whose quota refused it (reason `QUOTA_EXCEEDED`): its dead letter stays in place. */
  readonly tenantId?: string;
  /** Which of the tenant's quotas refused it (reason `QUOTA_EXCEEDED`). */
  readonly quota?: EngineQuota;
}

/** The tenant quotas the engine enforces. */
export type EngineQuota = typeof TENANT_QUOTAS.events | typeof TENANT_QUOTAS.unregisteredModels;

/** A record on the wrong partition for its model, and the partition it belongs to. */
export interface Forward {
  readonly record: TelemetryRecord;
  readonly partition: number;
}

/**
 * Per tenant and source partition (`tenant/partition`), the highest source offset of the
 * records moved here that this partition has counted: a record moved twice (the source
 * replayed its batch after a crash) is counted once. Checkpointed with the partition's state.
 */
export type RepartitionMarks = Map<string, bigint>;

/** Where the batch was read, so records on the wrong partition for their model can be moved. */
export interface BatchPlacement {
  /** Partitions of the topic; without it no record is moved. */
  readonly partitions: number | undefined;
  readonly marks: RepartitionMarks;
}

/** What one batch produced: records to dead-letter, alert jobs to enqueue, and counts. */
export interface BatchOutcome {
  readonly evaluated: number;
  /**
   * Records on another partition than the one their `tenant:model` belongs to (a producer's own
   * partitioner put them there): not evaluated here, but moved there, so a model's windows see
   * all its events in one place.
   */
  readonly forwards: readonly Forward[];
  /** Moved records this partition had counted already (moved again after a replay): skipped. */
  readonly repartitionDuplicates: number;
  /** Moved records still on the wrong partition (the partition count changed meanwhile): evaluated where they are. */
  readonly misplacedEvaluated: number;
  /** Tenants that went over a quota in a window not reported before: each raises the tenant's quota alert. */
  readonly quotaBreaches: readonly QuotaBreach[];
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
  /** The latest verdicts of windowed rules, for the models' posture (passing, failing, not judged). */
  readonly ruleVerdicts: readonly RuleVerdict[];
}

/** The newest event time of one model in a batch, while the batch is read. */
interface SeenTime {
  readonly tenantId: string;
  readonly modelId: string;
  time: number;
}

/** What one call of {@link TelemetryBatchProcessor.process} accumulates. */
interface BatchState {
  readonly collector: FindingCollector;
  readonly owner: number | undefined;
  readonly deployments: Map<string, ModelDeployment>;
  readonly seen: { latestEventTime: number | null; perModel: Map<string, Map<string, SeenTime>> };
  readonly placement: BatchPlacement;
  misplacedEvaluated: number;
  readonly quotaBreaches: QuotaBreach[];
  /** The refusal text per quota and tenant, made once per batch. */
  readonly quotaErrors: Map<string, Map<string, string>>;
}

/** A moved record this partition has counted already. */
const COUNTED_ALREADY = Symbol('counted already');

/** `<partition>/<offset>` of the `kanshi-repartitioned-from` header, when the record has a well-formed one. */
function repartitionedFrom(record: TelemetryRecord): { partition: number; offset: bigint } | undefined {
  const header = record.headers?.[REPARTITIONED_FROM_HEADER];
  const first = Array.isArray(header) ? header[0] : header;
  if (first === undefined) return undefined;
  const match = /^(\d{1,9})\/(\d{1,19})$/.exec(typeof first === 'string' ? first : first.toString('latin1'));
  return match ? { partition: Number(match[1]), offset: BigInt(match[2] as string) } : undefined;
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
    private readonly keyring: IngestKeyring,
    private readonly quotas: EngineQuotas,
  ) {}

  /**
   * Evaluates one record into the batch, or returns why it must be dead-lettered, or where it
   * must move, or that it was counted already.
   */
  private evaluate(record: TelemetryRecord, batch: BatchState): DeadLetter | Forward | typeof COUNTED_ALREADY | undefined {
    const { collector, owner, deployments, seen } = batch;
    const keyText = record.key?.toString('utf8');
    const colon = keyText === undefined ? -1 : keyText.indexOf(':');
    const keyTenant = keyText === undefined ? undefined : colon < 0 ? keyText : keyText.slice(0, colon);
    // A tenant already over a quota on this instance: refused before the signature and the JSON
    // are even read, so a flood costs the others as little as can be. (Only a tenant that
    // authenticated has a quota to spend: nobody can spend another tenant's.)
    const arrivedAt = record.timestamp === undefined ? undefined : Number(record.timestamp);
    if (keyTenant !== undefined) {
      if (this.quotas.exhausted(keyTenant, arrivedAt)) return this.overQuota(record, keyTenant, TENANT_QUOTAS.events, batch);
      const keyModel = colon < 0 ? undefined : keyText?.slice(colon + 1);
      if (keyModel !== undefined && this.quotas.unregisteredSpent(keyTenant, keyModel) && !this.inventory.get(keyTenant, keyModel)) {
        return this.overQuota(record, keyTenant, TENANT_QUOTAS.unregisteredModels, batch);
      }
    }
    // Who speaks, before anything the record says is believed (an oversized record is refused
    // as such without hashing it).
    let signer: string | undefined;
    if (record.value === null || record.value.length <= this.maxEventBytes) {
      const auth = authenticateRecord(record, keyTenant, this.keyring);
      if (!auth.ok) return { record, reason: 'UNAUTHENTICATED', error: auth.error, ...(auth.unknownKey ? { retryAfterRefresh: true } : {}) };
      signer = auth.tenantId;
    }
    const decoded = decodeTelemetryEvent(record.value, this.maxEventBytes);
    if (!decoded.ok) return { record, reason: decoded.reason, error: describeIssues(decoded.issues) };
    const { event } = decoded;
    if (keyTenant !== undefined && keyTenant !== event.tenant_id) {
      return {
        record,
        reason: 'TENANT_MISMATCH',
        error: `record key names tenant "${keyTenant}" but the event's tenant_id is "${event.tenant_id}"; key records "tenant_id:model_id"`,
      };
    }
    if (signer !== event.tenant_id) {
      return { record, reason: 'UNAUTHENTICATED', error: `the record is signed with another tenant's ingest key than tenant_id "${event.tenant_id}"` };
    }
    if (!this.inventory.hasTenant(event.tenant_id)) {
      return {
        record,
        reason: 'UNKNOWN_TENANT',
        error: `tenant_id "${event.tenant_id}" is not a Kanshi tenant; fix tenant_id or create the tenant first`,
        retryAfterRefresh: true,
      };
    }
    const placed = this.placement(record, event.tenant_id, event.model_id, batch);
    if (placed !== undefined) return placed;
    const model = this.inventory.get(event.tenant_id, event.model_id);
    if (!model && !this.quotas.admitsUnregistered(event.tenant_id, event.model_id)) return this.overQuota(record, event.tenant_id, TENANT_QUOTAS.unregisteredModels, batch);
    if (!this.quotas.takeEvent(event.tenant_id, arrivedAt)) return this.overQuota(record, event.tenant_id, TENANT_QUOTAS.events, batch);
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

  /** The dead letter of a record over one of its tenant's quotas; the breach is reported once per window. */
  private overQuota(
    record: TelemetryRecord,
    tenantId: string,
    quota: EngineQuota,
    batch: BatchState,
  ): DeadLetter {
    const breach = this.quotas.breach(tenantId, quota);
    if (breach) batch.quotaBreaches.push(breach);
    // One text per tenant and quota in a batch, shared by its refusals: a flood refuses thousands.
    let ofQuota = batch.quotaErrors.get(quota);
    if (!ofQuota) batch.quotaErrors.set(quota, (ofQuota = new Map<string, string>()));
    let error = ofQuota.get(tenantId);
    if (error === undefined) {
      const { eventsPerMinute, unregisteredModelsPerDay } = this.quotas.limits;
      const what =
        quota === TENANT_QUOTAS.events
          ? `its quota of ${eventsPerMinute} events per minute on this engine instance (KANSHI_QUOTA_EVENTS_PER_MINUTE)`
          : `its quota of ${unregisteredModelsPerDay} new models outside the inventory per day (KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY); register the model or raise the quota`;
      error = `tenant "${tenantId}" is over ${what}; not evaluated: replay it with npm run dlq -- replay --reason QUOTA_EXCEEDED`;
      ofQuota.set(tenantId, error);
    }
    return { record, reason: 'QUOTA_EXCEEDED', tenantId, quota, error };
  }

  /**
   * Whether an authenticated record stays to be evaluated here (`undefined`), moves to the
   * partition of its `tenant:model`, or was moved here before and is counted already. A record
   * moved once that is still misplaced (the partition count changed) is evaluated where it is:
   * it never moves twice, so it cannot circle.
   */
  private placement(record: TelemetryRecord, tenantId: string, modelId: string, batch: BatchState): Forward | typeof COUNTED_ALREADY | undefined {
    const { partitions, marks } = batch.placement;
    const from = repartitionedFrom(record);
    if (from) {
      // Only the tenant that signed the record can move its marks: one tenant's records never hide another's.
      const mark = `${tenantId}/${from.partition}`;
      const counted = marks.get(mark);
      if (counted !== undefined && from.offset <= counted) return COUNTED_ALREADY;
      marks.set(mark, from.offset);
    }
    if (partitions === undefined || batch.owner === undefined) return undefined;
    const home = telemetryPartition(telemetryKey(tenantId, modelId), partitions);
    if (home === record.partition) return undefined;
    if (from) {
      batch.misplacedEvaluated += 1;
      return undefined;
    }
    return { record, partition: home };
  }

  /**
   * Evaluates the records in order. `owner` (the partition) tags the rule state they touch, for
   * checkpoints; with `placement`, records on the wrong partition for their model are returned
   * as forwards instead of evaluated. Dead letters marked `retryAfterRefresh` were not evaluated
   * and may be processed again once the inventory has reloaded.
   */
  process(records: readonly TelemetryRecord[], owner?: number, placement: BatchPlacement = { partitions: undefined, marks: new Map() }): BatchOutcome {
    const batch: BatchState = {
      collector: new FindingCollector(),
      owner,
      deployments: new Map(),
      seen: { latestEventTime: null, perModel: new Map() },
      placement,
      misplacedEvaluated: 0,
      quotaBreaches: [],
      quotaErrors: new Map(),
    };
    const { collector, deployments, seen } = batch;
    const deadLetters: DeadLetter[] = [];
    const forwards: Forward[] = [];
    let evaluated = 0;
    let repartitionDuplicates = 0;
    for (const record of records) {
      try {
        const verdict = this.evaluate(record, batch);
        if (verdict === undefined) evaluated += 1;
        else if (verdict === COUNTED_ALREADY) repartitionDuplicates += 1;
        else if ('reason' in verdict) deadLetters.push(verdict);
        else forwards.push(verdict);
      } catch (error) {
        // A bug of ours must not block the partition: keep the record for a replay after the fix.
        deadLetters.push({ record, reason: 'PROCESSING_FAILED', error: error instanceof Error ? error.message : String(error) });
      }
    }
    return {
      evaluated,
      forwards,
      repartitionDuplicates,
      misplacedEvaluated: batch.misplacedEvaluated,
      quotaBreaches: batch.quotaBreaches,
      findings: collector.findingCount,
      deadLetters,
      alertJobs: collector.toJobs(),
      clearJobs: collector.toClearJobs(),
      ruleFailures: collector.failures,
      deployments: [...deployments.values()],
      latestEventTime: seen.latestEventTime,
      telemetrySeen: [...seen.perModel.values()].flatMap((m) => [...m.values()]).map((s) => ({ tenantId: s.tenantId, modelId: s.modelId, lastEventAt: new Date(s.time).toISOString() })),
      ruleVerdicts: collector.toVerdicts(),
    };
  }
}
