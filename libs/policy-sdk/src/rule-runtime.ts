import { Value } from '@sinclair/typebox/value';
import { isSeverity, type EventType, type Sector, type Severity, type TelemetryEvent } from '@kanshi/contracts';
import type { ModelProfile } from './model-profile';
import { judgesModelsOutsideInventory, type RuleDefinition, type RuleOutcome, type RuleTimers } from './rule';
import type { SectorModuleOptions } from './sector-module.decorator';

/** A rule as the runtime runs it: with its module and its default arguments resolved. */
export interface RuntimeRule {
  /** Id of the sector module that declares the rule. */
  readonly moduleId: string;
  /** The module's sectors: findings record the model's sector the module matched, or `general`. */
  readonly moduleSectors: readonly Sector[] | 'all';
  /** The rule as its module defined it. */
  readonly rule: RuleDefinition;
  /** Every argument at its default, checked against the rule's schema. */
  readonly defaultArgs: Readonly<Record<string, unknown>>;
}

/**
 * The arguments in force for a rule and a model: defaults, or a tenant's overrides. `undefined`
 * switches the rule off for that model: it neither sees the model's events nor fires its timers.
 */
export type ArgsResolver = (
  rule: RuntimeRule,
  tenantId: string,
  modelId: string,
  model: ModelProfile | undefined,
) => Readonly<Record<string, unknown>> | undefined;

/** A finding the runtime produced, with everything the engine needs to raise an alert. */
export interface RuntimeFinding {
  /** Tells findings from clears. */
  readonly kind: 'finding';
  /** The rule that fired. */
  readonly rule: RuntimeRule;
  /** Tenant of the event or timer. */
  readonly tenantId: string;
  /** Model of the event or timer. */
  readonly modelId: string;
  /** The model's inventory entry when the rule judged, or `undefined` outside the inventory. */
  readonly model: ModelProfile | undefined;
  /** The arguments in force when the rule judged. */
  readonly args: Readonly<Record<string, unknown>>;
  /** What inside the model the finding is about; `model` by default. */
  readonly scope: string;
  /** The finding's severity, else the rule's default. */
  readonly severity: Severity;
  /** The value that broke the rule (JSON, at most {@link MAX_OBSERVED_BYTES}). */
  readonly observed: unknown;
  /** Regulatory deadline of a clock rule, else `undefined`. */
  readonly dueAt: Date | undefined;
  /** Same events, same occurrence: what makes a replayed finding the same finding. */
  readonly occurrence: string;
  /** Ids of the events that show the finding (at most {@link MAX_EVIDENCE}). */
  readonly evidence: readonly string[];
  /** When it happened: the event's time, or the timer's. */
  readonly time: number;
}

/** A rule's condition is clear for a scope (rules that declare `recovery`). */
export interface RuntimeClear {
  /** Tells clears from findings. */
  readonly kind: 'clear';
  /** The rule whose condition is clear. */
  readonly rule: RuntimeRule;
  /** Tenant of the event or timer. */
  readonly tenantId: string;
  /** Model of the event or timer. */
  readonly modelId: string;
  /** The scope that is clear, as its findings name it. */
  readonly scope: string;
  /** When it was judged clear: the event's or the timer's time (epoch ms). */
  readonly time: number;
}

/** A window a rule could not judge for want of samples (see {@link RuleInsufficient}). */
export interface RuntimeInsufficient {
  /** Tells it from findings and clears. */
  readonly kind: 'insufficient';
  /** The rule that could not judge. */
  readonly rule: RuntimeRule;
  /** Tenant of the event or timer. */
  readonly tenantId: string;
  /** Model of the event or timer. */
  readonly modelId: string;
  /** The scope not judged, as its findings name it. */
  readonly scope: string;
  /** What was seen (JSON, at most {@link MAX_OBSERVED_BYTES}). */
  readonly observed: unknown;
  /** When: the event's or the timer's time (epoch ms). */
  readonly time: number;
}

/** A rule that threw or answered something malformed: a plug-in bug, reported, never fatal. */
export interface RuntimeFailure {
  /** The rule that failed. */
  readonly ruleId: string;
  /** Its sector module. */
  readonly moduleId: string;
  /** The event, `timer <name>`, or `checkpoint` (a state over the size limit, see {@link RuleRuntime.takeCheckpoint}). */
  readonly trigger: string;
  /** What the rule threw, or an Error describing the malformed result. */
  readonly error: unknown;
}

/** What one call of the runtime caused; calls append to an output passed in. */
export interface RuntimeOutput {
  /** Findings, in the order the rules produced them. */
  readonly findings: RuntimeFinding[];
  /** Clears of rules that declare `recovery`. */
  readonly clears: RuntimeClear[];
  /** Windows closed with too few samples to judge. */
  readonly insufficient: RuntimeInsufficient[];
  /** Rules that threw or answered something malformed. */
  readonly failures: RuntimeFailure[];
}

/** One rule's memory for one tenant and model, as checkpointed. Plain JSON. */
export interface RuleStateRecord {
  /** Tenant the state belongs to. */
  readonly tenantId: string;
  /** Model the state belongs to. */
  readonly modelId: string;
  /** Rule that keeps the state. */
  readonly ruleId: string;
  /** The rule's state, as `initialState()` made it and the rule changed it. */
  readonly state: unknown;
  /** The rule's timers for the model: name → due time (epoch ms). */
  readonly timers: Readonly<Record<string, number>>;
  /** Who owns the record (the engine: the Kafka partition whose events made it), if tagged. */
  readonly owner?: number;
  /**
   * Newest event time (epoch ms) that touched the state (an event, or a timer's due time),
   * which says when it becomes idle; absent in checkpoints written before it was kept.
   */
  readonly touchedAt?: number;
}

/** Names one state record: a rule's memory for one tenant and model. */
export interface RuleStateKey {
  /** Tenant the state belongs to. */
  readonly tenantId: string;
  /** Model the state belongs to. */
  readonly modelId: string;
  /** Rule that keeps the state. */
  readonly ruleId: string;
}

/** A changed state record as a checkpoint writes it: state and timers already encoded as JSON. */
export interface SerializedRuleState extends RuleStateKey {
  /** The rule's state as JSON text (`null` for a rule with timers only). */
  readonly state: string;
  /** The rule's timers as JSON text: name → due time (epoch ms). */
  readonly timers: string;
  /** See {@link RuleStateRecord.touchedAt}; `null` when unknown. */
  readonly touchedAt: number | null;
}

/** What one checkpoint writes for an owner: {@link RuleRuntime.takeCheckpoint}. */
export interface RuleCheckpointChanges {
  /** State records changed since the last checkpoint, to store. */
  readonly records: readonly SerializedRuleState[];
  /** State records dropped (idle, or over the size limit), to delete in the same transaction. */
  readonly deleted: readonly RuleStateKey[];
  /** Rules whose state for a model went over the size limit and was reset. */
  readonly failures: readonly RuntimeFailure[];
}

/** Limits the runtime keeps rule state within (the engine sets them from its configuration). */
export interface RuleRuntimeOptions {
  /**
   * State with no pending timer that no event has touched for this long is idle: the next
   * checkpoint drops it (and deletes its record), and an event that finds it still held starts
   * it afresh. Measured in event time against the state's {@link RuleStateRecord.touchedAt}:
   * by the `now` given to {@link RuleRuntime.takeCheckpoint} (the engine passes the partition's
   * newest event time, never later than its wall clock), and by the time of the event that
   * finds it. Default: never idle.
   */
  readonly idleAfterMs?: number;
  /** Largest state record, state and timers as JSON, in bytes; default {@link MAX_STATE_BYTES}. */
  readonly maxStateBytes?: number;
}

/**
 * Largest state record one rule may keep for one model, state and timers encoded as JSON, in
 * bytes (256 KiB). A larger one is reported as the rule's failure and reset at the checkpoint,
 * so no state can outgrow the database or stop its partition. The engine's limit is
 * configurable; this is the default and what the conformance kit checks.
 */
export const MAX_STATE_BYTES = 256 * 1024;

/** A UTF-16 surrogate without its pair (a name cut in the middle of an emoji, a `\ud800` escape in telemetry). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `value` with every lone surrogate in its strings and keys replaced by U+FFFD: JSON writes one
 * as an escape that PostgreSQL's `jsonb` refuses, which would make the finding unstorable.
 */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key.replace(LONE_SURROGATE, '\ufffd')] = wellFormed(inner);
    return out;
  }
  return value;
}

/** Largest `observed` value a finding may carry, encoded as JSON. */
export const MAX_OBSERVED_BYTES = 16 * 1024;
/** Evidence event ids kept per finding. */
export const MAX_EVIDENCE = 20;

/**
 * Why a rule's result cannot be used, or `undefined` when it can. The runtime checks every
 * result with it; a plug-in's tests may too.
 *
 * @example
 * ```ts
 * checkRuleResult({ observed: 1, severity: 'urgent' }); // 'severity "urgent" is not one of low, medium, high, critical'
 * checkRuleResult({ kind: 'clear' });                    // undefined
 * ```
 */
export function checkRuleResult(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return `returned ${String(result)} instead of a result object`;
  const { kind, scope, severity, dueAt, observed, occurrence, evidence } = result as Record<string, unknown>;
  if (kind !== undefined && kind !== 'finding' && kind !== 'clear' && kind !== 'insufficient') return `kind ${JSON.stringify(kind)} is not "finding", "clear" or "insufficient"`;
  if (scope !== undefined && (typeof scope !== 'string' || scope.length === 0 || scope.length > 200)) {
    return 'scope must be a non-empty string of at most 200 characters';
  }
  if (kind === 'clear') return undefined;
  if (severity !== undefined && !isSeverity(severity)) return `severity ${JSON.stringify(severity)} is not one of low, medium, high, critical`;
  if (dueAt !== undefined && !(dueAt instanceof Date && !Number.isNaN(dueAt.getTime()))) return 'dueAt must be a valid Date';
  if (occurrence !== undefined && (typeof occurrence !== 'string' || occurrence.length === 0 || occurrence.length > 200)) {
    return 'occurrence must be a non-empty string of at most 200 characters';
  }
  if (evidence !== undefined && !(Array.isArray(evidence) && evidence.every((id) => typeof id === 'string'))) return 'evidence must be an array of event ids';
  let encoded: string | undefined;
  try {
    encoded = JSON.stringify(observed ?? null);
  } catch (error) {
    return `observed cannot be encoded as JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (encoded.length > MAX_OBSERVED_BYTES) return `observed is ${encoded.length} bytes as JSON; the limit is ${MAX_OBSERVED_BYTES}`;
  if (encoded.includes('\\u0000')) return 'observed contains a NUL character';
  return undefined;
}

/**
 * The rules of some modules, with their default arguments, checked to be valid.
 *
 * @example
 * ```ts
 * const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(AcmeModule)!]));
 * ```
 */
export function runtimeRules(modules: readonly SectorModuleOptions[]): RuntimeRule[] {
  return modules.flatMap((options) =>
    options.rules.map((rule) => ({ moduleId: options.id, moduleSectors: options.sectors, rule, defaultArgs: Object.freeze(defaultArgsOf(rule)) })),
  );
}

/**
 * A rule's arguments with every default filled in; throws naming the argument without a valid default.
 *
 * @example
 * ```ts
 * defaultArgsOf(f3ExplanationCoverage); // { minCoverage: 0.99, window: '1h', lateness: '15m', … }
 * ```
 */
export function defaultArgsOf(rule: RuleDefinition): Record<string, unknown> {
  const defaults = Value.Default(rule.args, {}) as Record<string, unknown>;
  const first = Value.Errors(rule.args, defaults).First();
  if (first) {
    throw new Error(`rule ${rule.id} has arguments without valid defaults (${first.path || '/'}: ${first.message}); give every argument a default.`);
  }
  return defaults;
}

interface KeyState {
  readonly tenantId: string;
  readonly modelId: string;
  readonly ruleId: string;
  state: unknown;
  timers: Record<string, number>;
  // Both set in every literal that makes an entry, so all entries share one shape.
  owner: number | undefined;
  /** Newest event or timer time that touched the state; `undefined` when restored without one. */
  touchedAt: number | undefined;
}

function hasTimers(entry: KeyState): boolean {
  for (const _ in entry.timers) return true;
  return false;
}

/** How many idle sweeps fit in one idle period: state is dropped at most this fraction late. */
const SWEEPS_PER_IDLE_PERIOD = 100;

/**
 * Byte length of `text` as UTF-8, counted only when it could matter: a string of n UTF-16 units
 * is at most 3n bytes.
 */
function utf8Bytes(text: string, limit: number): number {
  return text.length * 3 <= limit ? text.length : Buffer.byteLength(text, 'utf8');
}

/** Models whose state keys stay cached; beyond it the cache starts again (keys are rebuilt on demand). */
const MAX_CACHED_MODELS = 100_000;

function stateKey(tenantId: string, modelId: string, ruleId: string): string {
  return `${tenantId}\u0000${modelId}\u0000${ruleId}`;
}

/**
 * Runs sector-module rules over events and timers: routing, arguments, per-model state and
 * timers, result checks. Pure apart from the rules it runs; the engine adds Kafka, the
 * inventory and checkpoints, the conformance kit adds a clock you control. Plug-in authors
 * normally use {@link createTestSectorEnvironment} instead.
 *
 * @example
 * ```ts
 * const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(AcmeModule)!]));
 * const output = runtime.evaluate(event, inventory.get(event.model_id));
 * runtime.advanceTo(Date.now(), (tenant, model) => inventory.get(model), output); // fire due timers
 * const checkpoint = runtime.takeChanges();     // state changed since the last call, as JSON
 * ```
 */
export class RuleRuntime {
  private readonly forEveryModel: RuntimeRule[] = [];
  private readonly bySector = new Map<Sector, RuntimeRule[]>();
  private readonly routes = new Map<string, readonly RuntimeRule[]>();
  private readonly byId = new Map<string, RuntimeRule>();
  private readonly states = new Map<string, KeyState>();
  /**
   * State keys by model, then rule: the hot path looks a key up instead of building a new string
   * per event and rule, which V8 would hash again on every `states.get` (a profile showed it).
   */
  private readonly keysByModel = new Map<string, Map<string, string>>();
  private readonly withTimers = new Set<string>();
  private readonly dirty = new Set<string>();
  /** No timer is due before this time (a lower bound, so ticks without due timers are cheap). */
  private earliestTimer = Infinity;
  /** Newest event time evaluated per owner: the clock idle state is measured by. */
  private readonly eventTimes = new Map<number | undefined, number>();
  /** When each owner's state was last swept for idle entries (its event time then). */
  private readonly sweptAt = new Map<number | undefined, number>();
  private readonly idleAfterMs: number;
  private readonly maxStateBytes: number;

  constructor(
    rules: readonly RuntimeRule[],
    private readonly argsFor: ArgsResolver = (rule) => rule.defaultArgs,
    options: RuleRuntimeOptions = {},
  ) {
    this.idleAfterMs = options.idleAfterMs ?? Infinity;
    this.maxStateBytes = options.maxStateBytes ?? MAX_STATE_BYTES;
    for (const rule of rules) {
      this.byId.set(rule.rule.id, rule);
      if (rule.moduleSectors === 'all') {
        this.forEveryModel.push(rule);
      } else {
        for (const sector of rule.moduleSectors) this.bySector.set(sector, [...(this.bySector.get(sector) ?? []), rule]);
      }
    }
  }

  /**
   * The rules that judge an event of this type for this model: every rule of the modules for
   * all models, plus the rules of the modules of the model's sectors. A model outside the
   * inventory gets the former, and of them only the rules without state or timers (see
   * {@link judgesModelsOutsideInventory}), so it costs no memory.
   */
  rulesFor(eventType: EventType, model: ModelProfile | undefined): readonly RuntimeRule[] {
    const sectors = model?.sectors ?? [];
    const cacheKey = model === undefined ? `?${eventType}` : `${eventType}|${sectors.join(',')}`;
    const cached = this.routes.get(cacheKey);
    if (cached) return cached;
    const matched = [...new Set([this.forEveryModel, ...sectors.map((s) => this.bySector.get(s) ?? [])].flat())].filter(
      ({ rule }) => (rule.reads === 'all' || rule.reads.includes(eventType)) && (model !== undefined || judgesModelsOutsideInventory(rule)),
    );
    this.routes.set(cacheKey, matched);
    return matched;
  }

  /**
   * Judges one event with every rule routed to it. `owner` tags the state the event touches
   * (the engine passes the Kafka partition), so checkpoints can be taken per owner. `time` is
   * the event's `timestamp` in epoch ms, for a caller that has parsed it already.
   */
  evaluate(event: TelemetryEvent, model: ModelProfile | undefined, into: RuntimeOutput = emptyOutput(), owner?: number, time = Date.parse(event.timestamp)): RuntimeOutput {
    const latest = this.eventTimes.get(owner);
    if (latest === undefined || time > latest) this.eventTimes.set(owner, time);
    if (model === undefined) return this.evaluateOutsideInventory(event, into, time);
    const keys = this.keysOf(event.tenant_id, event.model_id);
    for (const runtimeRule of this.rulesFor(event.event_type, model)) {
      const { rule } = runtimeRule;
      const args = this.argsFor(runtimeRule, event.tenant_id, event.model_id, model);
      if (args === undefined) continue;
      // The hot path: a cached key, one timers object, nothing else allocated for a rule that
      // has no state and nothing to report.
      let key = keys.get(rule.id);
      if (key === undefined) {
        key = stateKey(event.tenant_id, event.model_id, rule.id);
        keys.set(rule.id, key);
      }
      const entry = this.keyState(key, event.tenant_id, event.model_id, runtimeRule, args, time);
      let outcome: RuleOutcome;
      try {
        outcome = rule.evaluate({
          event,
          time,
          model,
          tenantId: event.tenant_id,
          modelId: event.model_id,
          args,
          state: entry?.state,
          timers: new KeyTimers(this, key, event.tenant_id, event.model_id, rule.id),
        });
      } catch (error) {
        into.failures.push({ ruleId: rule.id, moduleId: runtimeRule.moduleId, trigger: event.event_id, error });
        continue;
      }
      // A stateless rule that set a timer has an entry now; it holds only timers, which mark it
      // changed themselves, so reading it (G1 on every event of a model it rechecks) writes nothing.
      const touched = entry ?? this.states.get(key);
      if (touched) {
        if (rule.initialState) this.dirty.add(key);
        if (owner !== undefined) touched.owner = owner;
        if (touched.touchedAt === undefined || time > touched.touchedAt) touched.touchedAt = time;
      }
      if (outcome === undefined) continue;
      this.collect(outcome, { runtimeRule, tenantId: event.tenant_id, modelId: event.model_id, model, args, time, occurrence: event.event_id, evidence: [event.event_id], trigger: event.event_id }, into);
    }
    return into;
  }

  /**
   * An event of a model outside the inventory: only stateless rules judge it, and nothing is
   * kept for the model (no state, no timers, no cached keys).
   */
  private evaluateOutsideInventory(event: TelemetryEvent, into: RuntimeOutput, time: number): RuntimeOutput {
    for (const runtimeRule of this.rulesFor(event.event_type, undefined)) {
      const { rule } = runtimeRule;
      const args = this.argsFor(runtimeRule, event.tenant_id, event.model_id, undefined);
      if (args === undefined) continue;
      let outcome: RuleOutcome;
      try {
        outcome = rule.evaluate({
          event,
          time,
          model: undefined,
          tenantId: event.tenant_id,
          modelId: event.model_id,
          args,
          state: undefined,
          timers: new NoTimers(rule.id, event.model_id),
        });
      } catch (error) {
        into.failures.push({ ruleId: rule.id, moduleId: runtimeRule.moduleId, trigger: event.event_id, error });
        continue;
      }
      if (outcome === undefined) continue;
      this.collect(outcome, { runtimeRule, tenantId: event.tenant_id, modelId: event.model_id, model: undefined, args, time, occurrence: event.event_id, evidence: [event.event_id], trigger: event.event_id }, into);
    }
    return into;
  }

  /**
   * Fires every timer due at or before `now`, oldest first, with the model as the inventory
   * knows it now. Call it with the engine's clock. `clockOf` may hold an owner's timers back to
   * an earlier time (never later than `now`).
   */
  advanceTo(
    now: number,
    lookupModel: (tenantId: string, modelId: string) => ModelProfile | undefined,
    into: RuntimeOutput = emptyOutput(),
    clockOf?: (owner: number | undefined) => number,
  ): RuntimeOutput {
    if (now < this.earliestTimer) return into;
    const due: { key: string; name: string; at: number }[] = [];
    let next = Infinity;
    for (const key of this.withTimers) {
      const entry = this.states.get(key);
      if (!entry) continue;
      // An owner may run behind `now` (the engine: a partition still reading a backlog).
      const clock = clockOf ? Math.min(now, clockOf(entry.owner)) : now;
      for (const [name, at] of Object.entries(entry.timers)) {
        if (at <= clock) due.push({ key, name, at });
        else next = Math.min(next, at);
      }
    }
    due.sort((a, b) => a.at - b.at || a.key.localeCompare(b.key) || a.name.localeCompare(b.name));
    this.earliestTimer = next;
    for (const { key, name, at } of due) {
      const entry = this.states.get(key);
      if (!entry || entry.timers[name] !== at) continue;
      delete entry.timers[name];
      this.dirty.add(key);
      if (entry.touchedAt === undefined || at > entry.touchedAt) entry.touchedAt = at;
      const runtimeRule = this.byId.get(entry.ruleId);
      if (!runtimeRule?.rule.onTimer) continue;
      const { tenantId, modelId } = entry;
      const model = lookupModel(tenantId, modelId);
      const args = this.argsFor(runtimeRule, tenantId, modelId, model);
      // A rule switched off for the model: its due timer is dropped, not deferred.
      if (args === undefined) continue;
      let outcome: RuleOutcome;
      try {
        outcome = runtimeRule.rule.onTimer({
          timer: { name, at },
          time: now,
          model,
          tenantId,
          modelId,
          args,
          state: entry.state,
          timers: new KeyTimers(this, key, tenantId, modelId, entry.ruleId),
        });
      } catch (error) {
        into.failures.push({ ruleId: entry.ruleId, moduleId: runtimeRule.moduleId, trigger: `timer ${name}`, error });
        continue;
      }
      const occurrence = `timer:${name}@${new Date(at).toISOString()}`;
      this.collect(outcome, { runtimeRule, tenantId, modelId, model, args, time: at, occurrence, evidence: [], trigger: `timer ${name}` }, into);
    }
    for (const key of this.withTimers) {
      const entry = this.states.get(key);
      if (!entry || Object.keys(entry.timers).length === 0) this.withTimers.delete(key);
      else for (const at of Object.values(entry.timers)) this.earliestTimer = Math.min(this.earliestTimer, at);
    }
    return into;
  }

  /**
   * What a checkpoint of `owner` writes, within the runtime's limits: the records changed since
   * the last call, encoded as JSON; the records to delete; and the failures of rules whose
   * state went over the size limit. Such a state (with its timers) is dropped, so the rule
   * starts afresh for that model, and deleted with the checkpoint. Idle state of the owner
   * (see {@link RuleRuntimeOptions.idleAfterMs}) is dropped and deleted too, checked against
   * `now` (the owner's event time; at most a hundredth of the idle period late).
   *
   * @example The engine, per partition, before committing the batch's offsets
   * ```ts
   * const changes = runtime.takeCheckpoint(partition, Math.min(Date.now(), runtime.eventTimeOf(partition) ?? Date.now()));
   * await store.save(group, topic, partition, nextOffset, changes); // upserts and deletes in one transaction
   * ```
   */
  takeCheckpoint(owner: number | undefined, now: number): RuleCheckpointChanges {
    const deleted: RuleStateKey[] = [];
    const failures: RuntimeFailure[] = [];
    this.sweepIdle(owner, now, deleted);
    const records: SerializedRuleState[] = [];
    for (const key of this.dirty) {
      const entry = this.states.get(key);
      if (entry && entry.owner !== owner) continue;
      this.dirty.delete(key);
      if (!entry) continue;
      const encoded = this.encode(entry);
      if (typeof encoded === 'string') {
        this.drop(key);
        deleted.push({ tenantId: entry.tenantId, modelId: entry.modelId, ruleId: entry.ruleId });
        failures.push({ ruleId: entry.ruleId, moduleId: this.byId.get(entry.ruleId)?.moduleId ?? 'unknown', trigger: 'checkpoint', error: new Error(encoded) });
        continue;
      }
      records.push(encoded);
    }
    return { records, deleted, failures };
  }

  /** Newest event time evaluated for `owner` (epoch ms), or `undefined` before the first. */
  eventTimeOf(owner: number | undefined): number | undefined {
    return this.eventTimes.get(owner);
  }

  /** Drops the owner's idle entries into `deleted`, at most once per hundredth of the idle period. */
  private sweepIdle(owner: number | undefined, now: number, deleted: RuleStateKey[]): void {
    if (!Number.isFinite(this.idleAfterMs) || !Number.isFinite(now)) return;
    const swept = this.sweptAt.get(owner);
    if (swept !== undefined && now >= swept && now - swept < this.idleAfterMs / SWEEPS_PER_IDLE_PERIOD) return;
    this.sweptAt.set(owner, now);
    for (const [key, entry] of this.states) {
      if (entry.owner !== owner || hasTimers(entry)) continue;
      // Restored without a time (a checkpoint from before it was kept): idle from now on.
      if (entry.touchedAt === undefined) {
        entry.touchedAt = now;
        continue;
      }
      if (now - entry.touchedAt <= this.idleAfterMs) continue;
      this.drop(key);
      deleted.push({ tenantId: entry.tenantId, modelId: entry.modelId, ruleId: entry.ruleId });
    }
  }

  /** The entry as a checkpoint writes it, or why it cannot be written. */
  private encode(entry: KeyState): SerializedRuleState | string {
    const where = `state of rule ${entry.ruleId} for tenant "${entry.tenantId}" model "${entry.modelId}"`;
    let state: string;
    let timers: string;
    try {
      state = JSON.stringify(entry.state ?? null);
      timers = JSON.stringify(entry.timers);
    } catch (error) {
      return `${where} cannot be encoded as JSON (${error instanceof Error ? error.message : String(error)}); it was reset`;
    }
    const bytes = utf8Bytes(state, this.maxStateBytes) + utf8Bytes(timers, this.maxStateBytes);
    if (bytes > this.maxStateBytes) {
      return `${where} is ${bytes} bytes as JSON (state and timers), over the limit of ${this.maxStateBytes}; it was reset and the rule starts afresh for this model`;
    }
    const { tenantId, modelId, ruleId, touchedAt } = entry;
    return { tenantId, modelId, ruleId, state, timers, touchedAt: touchedAt ?? null };
  }

  private drop(key: string): void {
    this.states.delete(key);
    this.withTimers.delete(key);
    this.dirty.delete(key);
  }

  /**
   * The state records changed since the last call (of `owner` only, when given), as objects and
   * without the runtime's limits; {@link RuleRuntime.takeCheckpoint} is what the engine writes.
   */
  takeChanges(owner?: number): RuleStateRecord[] {
    const changed: RuleStateRecord[] = [];
    for (const key of this.dirty) {
      const entry = this.states.get(key);
      if (entry && owner !== undefined && entry.owner !== owner) continue;
      this.dirty.delete(key);
      if (entry) changed.push(recordOf(entry));
    }
    return changed;
  }

  /** Every state record held, for a full checkpoint. */
  snapshot(): RuleStateRecord[] {
    return [...this.states.values()].map(recordOf);
  }

  /** Loads checkpointed state (replacing what is held for those keys); unknown rule ids are ignored. */
  restore(records: readonly RuleStateRecord[]): void {
    for (const record of records) {
      if (!this.byId.has(record.ruleId)) continue;
      const key = stateKey(record.tenantId, record.modelId, record.ruleId);
      this.states.set(key, {
        tenantId: record.tenantId,
        modelId: record.modelId,
        ruleId: record.ruleId,
        state: record.state,
        timers: { ...record.timers },
        owner: record.owner,
        touchedAt: typeof record.touchedAt === 'number' ? record.touchedAt : undefined,
      });
      if (Object.keys(record.timers).length > 0) {
        this.withTimers.add(key);
        for (const at of Object.values(record.timers)) this.earliestTimer = Math.min(this.earliestTimer, at);
      }
    }
  }

  /** Forgets the state `drop` selects (the engine: of a partition moved to another instance). */
  forget(drop: (tenantId: string, modelId: string, owner: number | undefined) => boolean): void {
    for (const [key, entry] of this.states) {
      if (drop(entry.tenantId, entry.modelId, entry.owner)) this.drop(key);
    }
  }

  /** The state one rule keeps for one model (tests and diagnostics). */
  stateOf(tenantId: string, modelId: string, ruleId: string): unknown {
    return this.states.get(stateKey(tenantId, modelId, ruleId))?.state;
  }

  /** The cached state keys of one model (bounded: cleared when it holds too many models). */
  private keysOf(tenantId: string, modelId: string): Map<string, string> {
    const prefix = `${tenantId}\u0000${modelId}`;
    let keys = this.keysByModel.get(prefix);
    if (!keys) {
      if (this.keysByModel.size >= MAX_CACHED_MODELS) this.keysByModel.clear();
      keys = new Map();
      this.keysByModel.set(prefix, keys);
    }
    return keys;
  }

  private keyState(key: string, tenantId: string, modelId: string, runtimeRule: RuntimeRule, args: Readonly<Record<string, unknown>>, time: number): KeyState | undefined {
    const { rule } = runtimeRule;
    let entry = this.states.get(key);
    if (!entry && rule.initialState) {
      entry = { tenantId, modelId, ruleId: rule.id, state: rule.initialState(args), timers: {}, owner: undefined, touchedAt: undefined };
      this.states.set(key, entry);
    } else if (entry && entry.touchedAt !== undefined && time - entry.touchedAt > this.idleAfterMs && !hasTimers(entry)) {
      // Idle, not yet swept: start afresh, as if the sweep had come first, so batch boundaries do not matter.
      entry.state = rule.initialState ? rule.initialState(args) : undefined;
    }
    return entry;
  }

  /** @internal The entry of `key`, created empty if it does not exist (a stateless rule setting a timer). */
  entryFor(key: string, tenantId: string, modelId: string, ruleId: string): KeyState {
    let found = this.states.get(key);
    if (!found) {
      found = { tenantId, modelId, ruleId, state: undefined, timers: {}, owner: undefined, touchedAt: undefined };
      this.states.set(key, found);
    }
    return found;
  }

  /** @internal Records that `key` holds a timer due at `at`. */
  timerSet(key: string, at: number): void {
    this.withTimers.add(key);
    this.dirty.add(key);
    this.earliestTimer = Math.min(this.earliestTimer, at);
  }

  /** @internal The existing entry of `key`, marked changed. */
  changed(key: string): KeyState | undefined {
    const found = this.states.get(key);
    if (found) this.dirty.add(key);
    return found;
  }

  /** @internal For the timers of a rule. */
  peek(key: string): KeyState | undefined {
    return this.states.get(key);
  }


  private collect(
    outcome: RuleOutcome,
    origin: {
      runtimeRule: RuntimeRule;
      tenantId: string;
      modelId: string;
      model: ModelProfile | undefined;
      args: Readonly<Record<string, unknown>>;
      time: number;
      occurrence: string;
      evidence: readonly string[];
      trigger: string;
    },
    into: RuntimeOutput,
  ): void {
    if (outcome === undefined || outcome === null) return;
    const { runtimeRule, tenantId, modelId, time } = origin;
    const results: readonly unknown[] = Array.isArray(outcome) ? outcome : [outcome];
    for (const result of results) {
      // A plug-in's result is checked before use: a malformed one is the rule's failure,
      // never an exception that would stop the stream.
      const problem = checkRuleResult(result);
      if (problem) {
        into.failures.push({ ruleId: runtimeRule.rule.id, moduleId: runtimeRule.moduleId, trigger: origin.trigger, error: new Error(problem) });
        continue;
      }
      const r = result as Record<string, unknown> & { scope?: string };
      const scope = r.scope ?? 'model';
      if (r['kind'] === 'clear') {
        into.clears.push({ kind: 'clear', rule: runtimeRule, tenantId, modelId, scope, time });
        continue;
      }
      if (r['kind'] === 'insufficient') {
        into.insufficient.push({ kind: 'insufficient', rule: runtimeRule, tenantId, modelId, scope, observed: wellFormed(r['observed'] ?? null), time });
        continue;
      }
      const evidence = (r['evidence'] as readonly string[] | undefined) ?? origin.evidence;
      into.findings.push({
        kind: 'finding',
        rule: runtimeRule,
        tenantId,
        modelId,
        model: origin.model,
        args: origin.args,
        scope,
        severity: (r['severity'] as Severity | undefined) ?? runtimeRule.rule.defaultSeverity,
        observed: wellFormed(r['observed'] ?? null),
        dueAt: r['dueAt'] as Date | undefined,
        occurrence: (r['occurrence'] as string | undefined) ?? origin.occurrence,
        evidence: evidence.slice(0, MAX_EVIDENCE),
        time,
      });
    }
  }
}

/** A rule's timers for one model: methods on a prototype, no closures per call. */
class KeyTimers implements RuleTimers {
  constructor(
    private readonly runtime: RuleRuntime,
    private readonly key: string,
    private readonly tenantId: string,
    private readonly modelId: string,
    private readonly ruleId: string,
  ) {}

  set(name: string, at: number): void {
    if (!Number.isFinite(at)) throw new RangeError(`timer "${name}" needs a finite time, not ${at}`);
    this.runtime.entryFor(this.key, this.tenantId, this.modelId, this.ruleId).timers[name] = at;
    this.runtime.timerSet(this.key, at);
  }

  clear(name: string): void {
    const found = this.runtime.peek(this.key);
    if (found && name in found.timers) {
      this.runtime.changed(this.key);
      delete found.timers[name];
    }
  }

  get(name: string): number | undefined {
    return this.runtime.peek(this.key)?.timers[name];
  }
}

/** Timers of a model outside the inventory: rules judge such models without any state. */
class NoTimers implements RuleTimers {
  constructor(
    private readonly ruleId: string,
    private readonly modelId: string,
  ) {}

  set(name: string): void {
    throw new Error(`rule ${this.ruleId} set timer "${name}" for model "${this.modelId}", which is not in the inventory: models outside it are judged without state or timers`);
  }

  clear(): void {
    // Nothing is ever set.
  }

  get(): number | undefined {
    return undefined;
  }
}

function recordOf(entry: KeyState): RuleStateRecord {
  const { tenantId, modelId, ruleId, state, owner, touchedAt } = entry;
  return {
    tenantId,
    modelId,
    ruleId,
    state,
    timers: { ...entry.timers },
    ...(owner !== undefined ? { owner } : {}),
    ...(touchedAt !== undefined ? { touchedAt } : {}),
  };
}

/**
 * An empty {@link RuntimeOutput} to collect into.
 *
 * @example
 * ```ts
 * const output = emptyOutput();
 * for (const event of batch) runtime.evaluate(event, inventory.get(event.model_id), output);
 * ```
 */
export function emptyOutput(): RuntimeOutput {
  return { findings: [], clears: [], insufficient: [], failures: [] };
}
