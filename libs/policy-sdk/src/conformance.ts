import { satisfies, validRange } from 'semver';
import {
  describeIssues,
  TELEMETRY_SCHEMA_MAJOR,
  validateTelemetryEvent,
  type EventType,
  type TelemetryEvent,
} from '@kanshi/contracts';
import { durationMs, type Duration } from './duration';
import { Evidence } from './evidence';
import { modelProfile, type ModelProfile } from './model-profile';
import {
  defaultArgsOf,
  emptyOutput,
  MAX_STATE_BYTES,
  RuleRuntime,
  runtimeRules,
  type RuntimeClear,
  type RuntimeFailure,
  type RuntimeInsufficient,
  type RuntimeFinding,
  type RuntimeOutput,
  type RuntimeRule,
} from './rule-runtime';
import { windowSpecOf, type WindowSpec } from './rule';
import { getSectorModuleOptions, type SectorModuleOptions } from './sector-module.decorator';
import { POLICY_SDK_VERSION } from './version';

const RULE_ID = /^[A-Za-z][A-Za-z0-9._-]{0,31}$/;

/**
 * What is wrong with a sector module, as the engine checks it at boot: the decorator, the SDK
 * range, rule ids, argument defaults, windows, and initial states that survive a checkpoint.
 * Empty when the module is sound.
 *
 * @example In the module's own tests
 * ```ts
 * expect(checkSectorModule(AcmeBankSectorModule)).toEqual([]);
 * ```
 */
export function checkSectorModule(moduleClass: unknown, sdkVersion: string = POLICY_SDK_VERSION): string[] {
  const options = getSectorModuleOptions(moduleClass);
  const className = typeof moduleClass === 'function' ? moduleClass.name : String(moduleClass);
  if (!options) return [`${className} is not a sector module: decorate it with @SectorModule({ ... }).`];
  const problems: string[] = [];
  const name = `Sector module "${options.id}"`;
  if (options.compatibility.trim() === '' || !validRange(options.compatibility)) {
    problems.push(`${name} declares compatibility "${options.compatibility}", which is not a semver range.`);
  } else if (!satisfies(sdkVersion, options.compatibility)) {
    problems.push(
      `${name} requires @kanshi/policy-sdk ${options.compatibility}, but this engine provides ${sdkVersion}. ` +
        'Upgrade the module or the engine so the versions match.',
    );
  }
  const ids = new Set<string>();
  for (const rule of options.rules) {
    const where = `Rule ${rule.id} of "${options.id}"`;
    if (!RULE_ID.test(rule.id)) {
      problems.push(`Rule id "${rule.id}" of "${options.id}" is not valid: use letters, digits, ".", "_" or "-" (at most 32), starting with a letter.`);
    }
    if (ids.has(rule.id)) problems.push(`${name} declares rule ${rule.id} twice.`);
    ids.add(rule.id);
    let defaults: Record<string, unknown> | undefined;
    try {
      defaults = defaultArgsOf(rule);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
    let window: WindowSpec | undefined;
    try {
      window = windowSpecOf(rule, defaults);
    } catch (error) {
      problems.push(`${where}: window: ${(error as Error).message}`);
    }
    if (rule.reads !== 'all' && rule.reads.length === 0) problems.push(`${where} reads no event type; list them, or 'all'.`);
    for (const [field, duration] of [
      ['window.size', window?.size],
      ['window.lateness', window?.lateness],
      ['recovery.clearFor', rule.recovery?.clearFor],
    ] as const) {
      if (duration === undefined) continue;
      try {
        durationMs(duration);
      } catch (error) {
        problems.push(`${where}: ${field}: ${(error as Error).message}`);
      }
    }
    if (rule.initialState && defaults !== undefined) {
      const state: unknown = rule.initialState(defaults);
      if (JSON.stringify(JSON.parse(JSON.stringify(state ?? null))) !== JSON.stringify(state ?? null)) {
        problems.push(`${where}: initialState() is not plain JSON, so it would not survive a checkpoint.`);
      }
    }
  }
  return problems;
}

/** An event for a test: the envelope is filled in, the payload is yours. */
export type TestEvent = { readonly event_type: EventType; readonly payload?: Readonly<Record<string, unknown>> } & Partial<Omit<TelemetryEvent, 'event_type' | 'payload'>>;

/** How {@link createTestSectorEnvironment} sets up the inventory, the arguments and the clock. */
export interface TestSectorEnvironmentOptions {
  /**
   * Models in the inventory (tenant defaults to the environment's). Omitted: the default model
   * alone, in no sector. Events of other models are judged as the engine judges models outside
   * the inventory: by stateless rules only.
   */
  readonly models?: readonly (Partial<ModelProfile> & Pick<ModelProfile, 'modelId'>)[];
  /** Argument overrides per rule id, as a tenant would set them. */
  readonly args?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Where the clock starts (default 2026-01-05T00:00:00Z, a Monday). */
  readonly start?: string | number | Date;
  /** Tenant of the events and models (default `test-tenant`). */
  readonly tenantId?: string;
  /** Model id of events that name none (default: the first model, else `test-model`). */
  readonly modelId?: string;
}

/**
 * A sector module running as the engine runs it, with a clock you move: the conformance kit a
 * plug-in author uses in their own tests. Events are checked against the telemetry contract
 * first, `restart()` round-trips every state through JSON as a checkpoint would, and a rule
 * that throws, answers something malformed or writes an `observed` key that is not snake_case
 * ({@link Evidence}) fails the test.
 */
export interface TestSectorEnvironment {
  /** The clock, epoch milliseconds. Sending an event moves it forward to the event's time. */
  readonly now: number;
  /** Every finding, clear and failure so far. */
  readonly findings: readonly RuntimeFinding[];
  /** Every "condition clear" a rule with `recovery` reported. */
  readonly clears: readonly RuntimeClear[];
  /** Every window a rule closed with too few samples to judge. */
  readonly insufficient: readonly RuntimeInsufficient[];
  /** Rules that threw or answered something malformed (each also fails the call that caused it). */
  readonly failures: readonly RuntimeFailure[];
  /** Sends one event (timestamp defaults to the clock), fires timers due up to it, returns what it caused. */
  send(event: TestEvent): RuntimeOutput;
  /** Moves the clock forward, firing due timers. */
  advance(by: Duration | number): RuntimeOutput;
  /** Moves the clock to `time` (never back), firing due timers. */
  advanceTo(time: string | number | Date): RuntimeOutput;
  /** Replaces or adds a model in the inventory. */
  setModel(model: Partial<ModelProfile> & Pick<ModelProfile, 'modelId'>): void;
  /**
   * Checkpoints every state through JSON into a fresh runtime, as an engine restart does;
   * throws when a state record is over {@link MAX_STATE_BYTES}, which the engine would reset.
   */
  restart(): void;
  /** The state a rule keeps for a model. */
  stateOf(ruleId: string, modelId?: string): unknown;
}

/**
 * Runs a sector module in memory, without Kafka or a database.
 *
 * @example
 * ```ts
 * const env = createTestSectorEnvironment(AcmeBankSectorModule, {
 *   models: [{ modelId: 'credit', sectors: ['finance'], riskTier: 'T1' }],
 * });
 * env.send({ event_type: 'prediction', payload: { score: 0.995 } });
 * expect(env.findings.map((f) => f.rule.rule.id)).toEqual(['X1']);
 * ```
 */
export function createTestSectorEnvironment(moduleClass: unknown, options: TestSectorEnvironmentOptions = {}): TestSectorEnvironment {
  const problems = checkSectorModule(moduleClass);
  if (problems.length > 0) throw new Error(`the module does not conform:\n- ${problems.join('\n- ')}`);
  const module = getSectorModuleOptions(moduleClass) as SectorModuleOptions;
  const tenantId = options.tenantId ?? 'test-tenant';
  const models = new Map<string, ModelProfile>();
  const defaultModelId = options.modelId ?? options.models?.[0]?.modelId ?? 'test-model';
  // Without models, the default one is registered (in no sector): rules with state judge only
  // models in the inventory, and a test of a module for every model should see them judge.
  for (const model of options.models ?? [{ modelId: defaultModelId }]) models.set(model.modelId, modelProfile({ tenantId, ...model }));
  const rules = runtimeRules([module]);
  const argsFor = (rule: RuntimeRule) => ({ ...rule.defaultArgs, ...options.args?.[rule.rule.id] });
  let runtime = new RuleRuntime(rules, argsFor);
  let now = new Date(options.start ?? '2026-01-05T00:00:00Z').getTime();
  let sequence = 0;
  const all = emptyOutput();
  const lookup = (tenant: string, modelId: string) => (tenant === tenantId ? models.get(modelId) : undefined);

  const record = (output: RuntimeOutput): RuntimeOutput => {
    all.findings.push(...output.findings);
    all.clears.push(...output.clears);
    all.insufficient.push(...output.insufficient);
    all.failures.push(...output.failures);
    if (output.failures.length > 0) {
      const first = output.failures[0] as RuntimeFailure;
      throw new Error(`rule ${first.ruleId} failed on ${first.trigger}: ${first.error instanceof Error ? first.error.message : String(first.error)}`);
    }
    for (const result of [...output.findings, ...output.insufficient]) {
      const problem = Evidence.keyProblem(result.observed);
      if (problem) throw new Error(`rule ${result.rule.rule.id}: ${problem} (evidence reads one way in every module; see Evidence)`);
    }
    return output;
  };

  const advanceTo = (time: number): RuntimeOutput => {
    if (time < now) throw new Error(`the clock only moves forward: ${new Date(time).toISOString()} is before ${new Date(now).toISOString()}`);
    now = time;
    return record(runtime.advanceTo(now, lookup));
  };

  return {
    get now() {
      return now;
    },
    findings: all.findings,
    clears: all.clears,
    insufficient: all.insufficient,
    failures: all.failures,
    send(input) {
      sequence++;
      const candidate = {
        schema_version: `${TELEMETRY_SCHEMA_MAJOR}.0`,
        event_id: `test-event-${sequence}`,
        timestamp: new Date(now).toISOString(),
        tenant_id: tenantId,
        model_id: defaultModelId,
        ...input,
        payload: input.payload ?? {},
      };
      const checked = validateTelemetryEvent(candidate);
      if (!checked.ok) throw new Error(`the test event breaks the telemetry contract: ${describeIssues(checked.issues)}`);
      const event = checked.event;
      const time = Date.parse(event.timestamp);
      // Timers due before the event fire first, as they would in a live engine.
      const fired = time > now ? record(runtime.advanceTo((now = time) - 1, lookup)) : emptyOutput();
      const judged = record(runtime.evaluate(event, lookup(event.tenant_id, event.model_id)));
      return {
        findings: [...fired.findings, ...judged.findings],
        clears: [...fired.clears, ...judged.clears],
        insufficient: [...fired.insufficient, ...judged.insufficient],
        failures: [...fired.failures, ...judged.failures],
      };
    },
    advance(by) {
      return advanceTo(now + (typeof by === 'number' ? by : durationMs(by)));
    },
    advanceTo(time) {
      return advanceTo(new Date(time).getTime());
    },
    setModel(model) {
      models.set(model.modelId, modelProfile({ tenantId, ...model }));
    },
    restart() {
      const records = runtime.snapshot();
      for (const r of records) {
        const bytes = Buffer.byteLength(JSON.stringify(r.state ?? null)) + Buffer.byteLength(JSON.stringify(r.timers));
        if (bytes > MAX_STATE_BYTES) {
          throw new Error(
            `rule ${r.ruleId} keeps ${bytes} bytes of state and timers for model "${r.modelId}", over the engine's limit of ${MAX_STATE_BYTES}: ` +
              'the engine would report it and reset the state. Cap maps keyed by telemetry with Bounded or CountWindow maxNames.',
          );
        }
      }
      const checkpoint = JSON.parse(JSON.stringify(records)) as ReturnType<RuleRuntime['snapshot']>;
      runtime = new RuleRuntime(rules, argsFor);
      runtime.restore(checkpoint);
    },
    stateOf(ruleId, modelId = defaultModelId) {
      return runtime.stateOf(tenantId, modelId, ruleId);
    },
  };
}
