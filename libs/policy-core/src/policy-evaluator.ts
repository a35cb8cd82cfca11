import { alertFingerprint, findingId, keepLatestVerdict, maxSeverity, type ClearAlertJob, type FindingRecord, type RaiseAlertJob, type Sector, type TelemetryEvent } from '@kanshi/contracts';
import {
  durationMs,
  emptyOutput,
  judgesModelsOutsideInventory,
  RuleRuntime,
  STATE_LIMIT_SCOPE,
  type ArgsResolver,
  type RuleRuntimeOptions,
  type ModelProfile,
  type RuntimeFailure,
  type RuntimeFinding,
  type RuntimeOutput,
  type RuntimeRule,
} from '@kanshi/policy-sdk';
import type { RuleVerdict } from './model-inventory';
import type { SectorModuleRegistry } from './sector-module-registry';

/** A rule that threw or answered something malformed: a plug-in bug, reported, never fatal to the stream. */
export type RuleFailure = RuntimeFailure;

function findingSector(rule: RuntimeRule, model: ModelProfile | undefined): Sector {
  if (rule.moduleSectors === 'all') return 'general';
  return rule.moduleSectors.find((s) => model?.sectors.includes(s)) ?? rule.moduleSectors[0] ?? 'general';
}

/**
 * Collects the findings of many events and timers and groups them into one `alert.raise` job
 * per alert fingerprint, so a burst of events for one broken model is one job, not thousands.
 */
export class FindingCollector {
  /** What the runtime produced; read through {@link toJobs}. */
  readonly output: RuntimeOutput = emptyOutput();

  get failures(): readonly RuleFailure[] {
    return this.output.failures;
  }

  private jobs: { readonly from: number; readonly jobs: RaiseAlertJob[] } | undefined;

  /** Distinct findings: the same event (or window) seen twice is one. */
  get findingCount(): number {
    return this.toJobs().reduce((n, job) => n + job.findings.length, 0);
  }

  toJobs(): RaiseAlertJob[] {
    if (this.jobs?.from === this.output.findings.length) return this.jobs.jobs;
    const grouped = new Map<string, { job: Omit<RaiseAlertJob, 'findings'>; readonly findings: Map<string, FindingRecord> }>();
    // A finding reported again and again in one batch (every event of a flood past a cap) is
    // hashed once.
    const ids = new Map<string, { fingerprint: string; id: string }>();
    for (const finding of this.output.findings) add(grouped, finding, ids);
    const jobs = [...grouped.values()].map(({ job, findings }) => ({ ...job, findings: [...findings.values()] }));
    this.jobs = { from: this.output.findings.length, jobs };
    return jobs;
  }

  /**
   * `alert.clear` jobs for the rules that declare recovery: per fingerprint the earliest and the
   * latest clear of the batch, which is what the alert's countdown needs (since when, until
   * when), however many events a rule judged clear. Clears of other rules resolve nothing and
   * are dropped.
   */
  toClearJobs(): ClearAlertJob[] {
    const span = new Map<string, { first: ClearAlertJob; last: ClearAlertJob }>();
    for (const clear of this.output.clears) {
      const { recovery, id } = clear.rule.rule;
      if (!recovery) continue;
      const fingerprint = alertFingerprint(clear.tenantId, clear.modelId, id, clear.scope);
      const job: ClearAlertJob = {
        fingerprint,
        tenant_id: clear.tenantId,
        model_id: clear.modelId,
        rule_id: id,
        scope: clear.scope,
        cleared_at: new Date(clear.time).toISOString(),
        clear_for_ms: durationMs(recovery.clearFor),
      };
      const seen = span.get(fingerprint);
      if (!seen) span.set(fingerprint, { first: job, last: job });
      else if (job.cleared_at < seen.first.cleared_at) seen.first = job;
      else if (job.cleared_at > seen.last.cleared_at) seen.last = job;
    }
    return [...span.values()].flatMap(({ first, last }) => (first === last ? [first] : [first, last]));
  }

  /**
   * The latest verdict of each windowed rule (one that declares a `window`) per model and
   * scope: a finding is `fail`, a clear `pass`, a window with too few samples `insufficient`.
   * Findings about a rule's own state limit are no verdict on the model, and a windowed rule
   * without state (which judges any model id, made-up ones included) leaves none: only models
   * in the inventory get a row.
   */
  toVerdicts(): RuleVerdict[] {
    const latest = new Map<string, RuleVerdict>();
    const note = (rule: RuntimeRule, tenantId: string, modelId: string, scope: string, verdict: RuleVerdict['verdict'], time: number, observed: unknown) => {
      if (rule.rule.window === undefined || judgesModelsOutsideInventory(rule.rule) || scope === STATE_LIMIT_SCOPE) return;
      keepLatestVerdict(latest, { tenantId, modelId, ruleId: rule.rule.id, scope, verdict, observed, judgedAt: new Date(time).toISOString() });
    };
    const { findings, clears, insufficient } = this.output;
    for (const f of findings) note(f.rule, f.tenantId, f.modelId, f.scope, 'fail', f.time, f.observed);
    for (const c of clears) note(c.rule, c.tenantId, c.modelId, c.scope, 'pass', c.time, null);
    for (const i of insufficient) note(i.rule, i.tenantId, i.modelId, i.scope, 'insufficient', i.time, i.observed);
    return [...latest.values()];
  }
}

function add(
  jobs: Map<string, { job: Omit<RaiseAlertJob, 'findings'>; readonly findings: Map<string, FindingRecord> }>,
  finding: RuntimeFinding,
  ids: Map<string, { fingerprint: string; id: string }>,
): void {
  const { rule } = finding.rule;
  // JSON keeps the parts apart whatever characters a scope or occurrence holds.
  const memo = JSON.stringify([finding.tenantId, finding.modelId, rule.id, finding.scope, finding.occurrence]);
  let hashed = ids.get(memo);
  if (!hashed) {
    const fingerprint = alertFingerprint(finding.tenantId, finding.modelId, rule.id, finding.scope);
    ids.set(memo, (hashed = { fingerprint, id: findingId(fingerprint, finding.occurrence) }));
  }
  const { fingerprint, id } = hashed;
  let entry = jobs.get(fingerprint);
  if (!entry) {
    entry = {
      job: {
        fingerprint,
        tenant_id: finding.tenantId,
        model_id: finding.modelId,
        rule_id: rule.id,
        module_id: finding.rule.moduleId,
        sector: findingSector(finding.rule, finding.model),
        scope: finding.scope,
        title: rule.title,
        source: rule.source,
        args: finding.args,
        due_at: null,
      },
      findings: new Map(),
    };
    jobs.set(fingerprint, entry);
  }
  // Of several deadlines for one alert, the earliest is the one that matters.
  if (finding.dueAt) {
    const due = finding.dueAt.toISOString();
    if (entry.job.due_at === null || due < entry.job.due_at) entry.job = { ...entry.job, due_at: due };
  }
  const previous = entry.findings.get(id);
  entry.findings.set(id, {
    finding_id: id,
    // The event behind the finding; a window or timer finding names its occurrence instead.
    event_id: finding.evidence[0] ?? finding.occurrence,
    // Millisecond UTC, the precision PostgreSQL and JavaScript agree on.
    occurred_at: new Date(finding.time).toISOString(),
    severity: previous ? maxSeverity(previous.severity, finding.severity) : finding.severity,
    observed: finding.observed,
    evidence_event_ids: finding.evidence,
  });
}

/**
 * One event in this many has its modules timed, and counts for this many: timing every event
 * cost about 170 ns of 10 µs (a clock read of 40 ns per module routed, plus one), sampling
 * cuts that by as much. Chosen at random, so no pattern in the stream (a producer cycling
 * through its models) skews it.
 */
const TIME_ONE_EVENT_IN = 8;

/**
 * Runs the routed rules of the registry over events and timers, keeping each rule's state per
 * model within `limits` (idle state dropped, records over the size limit reset; see
 * {@link RuleRuntimeOptions}). It also keeps the time each module's rules take.
 */
export class PolicyEvaluator {
  readonly runtime: RuleRuntime;
  /** Ids of the loaded modules and rules: the label values of the engine's metrics. */
  readonly moduleIds: readonly string[];
  readonly ruleIds: readonly string[];
  private readonly moduleIndex = new Map<string, number>();
  /** Milliseconds per module (in {@link moduleIds} order) since {@link takeModuleSeconds}. */
  private readonly spentMs: Float64Array;
  private timerFindings = new Map<string, number>();
  /** While the evaluator judges: what its time counts for (0: not timed), the module being timed and since when. */
  private timedWeight = 0;
  private timedModule: string | undefined;
  private timedIndex = 0;
  private timedSince = 0;

  constructor(registry: SectorModuleRegistry, argsFor: ArgsResolver = (rule) => rule.defaultArgs, limits: RuleRuntimeOptions = {}) {
    this.moduleIds = registry.modules.map((m) => m.id);
    this.ruleIds = registry.rules.map((r) => r.rule.id);
    this.moduleIds.forEach((id, i) => this.moduleIndex.set(id, i));
    this.spentMs = new Float64Array(this.moduleIds.length);
    // The runtime asks for a rule's arguments right before it runs the rule: the clock is read
    // there when the module changes, not twice per rule.
    this.runtime = new RuleRuntime(
      registry.rules,
      (rule, tenantId, modelId, model) => {
        if (rule.moduleId !== this.timedModule && this.timedWeight > 0) this.timeModule(rule.moduleId);
        return argsFor(rule, tenantId, modelId, model);
      },
      limits,
    );
  }

  /** Judges one event; `time` is its parsed `timestamp` (epoch ms). */
  evaluate(event: TelemetryEvent, model: ModelProfile | undefined, into: FindingCollector, owner?: number, time = Date.parse(event.timestamp)): void {
    if (Math.random() * TIME_ONE_EVENT_IN < 1) this.timedWeight = TIME_ONE_EVENT_IN;
    try {
      this.runtime.evaluate(event, model, into.output, owner, time);
    } finally {
      this.stopTiming();
    }
  }

  /** Fires the rules' timers due by `now`. */
  tick(
    now: number,
    lookupModel: (tenantId: string, modelId: string) => ModelProfile | undefined,
    into: FindingCollector,
    clockOf?: (owner: number | undefined) => number,
  ): void {
    const { findings } = into.output;
    const before = findings.length;
    // Once a second: every tick is timed.
    this.timedWeight = 1;
    try {
      this.runtime.advanceTo(now, lookupModel, into.output, clockOf);
    } finally {
      this.stopTiming();
    }
    for (let i = before; i < findings.length; i += 1) {
      const id = (findings[i] as RuntimeFinding).rule.rule.id;
      this.timerFindings.set(id, (this.timerFindings.get(id) ?? 0) + 1);
    }
  }

  /** Seconds spent in each module's rules (events and timers; estimated, see {@link TIME_ONE_EVENT_IN}) since the last call, by module id. */
  takeModuleSeconds(): Map<string, number> {
    const seconds = new Map<string, number>();
    this.moduleIds.forEach((id, i) => seconds.set(id, (this.spentMs[i] ?? 0) / 1000));
    this.spentMs.fill(0);
    return seconds;
  }

  /** Findings the rules' timers raised since the last call, by rule id. */
  takeTimerFindings(): Map<string, number> {
    const found = this.timerFindings;
    this.timerFindings = new Map();
    return found;
  }

  /** The previous module's rules are done: its time ends, the next module's starts. */
  private timeModule(moduleId: string): void {
    const now = performance.now();
    this.addTimed(now);
    this.timedModule = moduleId;
    this.timedIndex = this.moduleIndex.get(moduleId) ?? 0;
    this.timedSince = now;
  }

  private stopTiming(): void {
    if (this.timedModule !== undefined) this.addTimed(performance.now());
    this.timedModule = undefined;
    this.timedWeight = 0;
  }

  private addTimed(now: number): void {
    if (this.timedModule === undefined) return;
    this.spentMs[this.timedIndex] = (this.spentMs[this.timedIndex] ?? 0) + (now - this.timedSince) * this.timedWeight;
  }
}
