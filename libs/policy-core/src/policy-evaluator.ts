import {
  alertFingerprint,
  findingId,
  type FindingRecord,
  type RaiseAlertJob,
  type Sector,
  type Severity,
  type TelemetryEvent,
  isSeverity,
  maxSeverity,
} from '@kanshi/contracts';
import type { ModelProfile, RuleResult } from '@kanshi/policy-sdk';
import type { RegisteredRule, SectorModuleRegistry } from './sector-module-registry';

/** A rule that threw instead of answering: a plug-in bug, reported, never fatal to the stream. */
export interface RuleFailure {
  readonly ruleId: string;
  readonly moduleId: string;
  readonly eventId: string;
  readonly error: unknown;
}

function findingSector(registered: RegisteredRule, model: ModelProfile | undefined): Sector {
  if (registered.moduleSectors === 'all') return 'general';
  return registered.moduleSectors.find((s) => model?.sectors.includes(s)) ?? registered.moduleSectors[0] ?? 'general';
}

/**
 * Collects the findings of many events and groups them into one `alert.raise` job per alert
 * fingerprint, so a burst of events for one broken model is one job, not thousands.
 */
export class FindingCollector {
  private readonly jobs = new Map<string, { job: Omit<RaiseAlertJob, 'findings'>; readonly findings: Map<string, FindingRecord> }>();
  readonly failures: RuleFailure[] = [];

  add(event: TelemetryEvent, model: ModelProfile | undefined, registered: RegisteredRule, result: RuleResult): void {
    const scope = result.scope ?? 'model';
    const { rule } = registered;
    const fingerprint = alertFingerprint(event.tenant_id, event.model_id, rule.id, scope);
    const severity: Severity = result.severity ?? rule.defaultSeverity;
    let entry = this.jobs.get(fingerprint);
    if (!entry) {
      entry = {
        job: {
          fingerprint,
          tenant_id: event.tenant_id,
          model_id: event.model_id,
          rule_id: rule.id,
          module_id: registered.moduleId,
          sector: findingSector(registered, model),
          scope,
          title: rule.title,
          source: rule.source,
          args: registered.defaultArgs,
          due_at: null,
        },
        findings: new Map(),
      };
      this.jobs.set(fingerprint, entry);
    }
    // Of several deadlines for one alert, the earliest is the one that matters.
    if (result.dueAt) {
      const due = result.dueAt.toISOString();
      if (entry.job.due_at === null || due < entry.job.due_at) entry.job = { ...entry.job, due_at: due };
    }
    const id = findingId(fingerprint, event.event_id);
    const previous = entry.findings.get(id);
    entry.findings.set(id, {
      finding_id: id,
      event_id: event.event_id,
      // Millisecond UTC, the precision PostgreSQL and JavaScript agree on.
      occurred_at: new Date(event.timestamp).toISOString(),
      severity: previous ? maxSeverity(previous.severity, severity) : severity,
      observed: result.observed,
    });
  }

  get findingCount(): number {
    let n = 0;
    for (const { findings } of this.jobs.values()) n += findings.size;
    return n;
  }

  toJobs(): RaiseAlertJob[] {
    return [...this.jobs.values()].map(({ job, findings }) => ({ ...job, findings: [...findings.values()] }));
  }
}

/** Largest `observed` value a finding may carry, encoded as JSON. */
export const MAX_OBSERVED_BYTES = 16 * 1024;

/** Why a rule's result cannot become a finding, or `undefined` when it can. */
export function checkResult(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return `returned ${String(result)} instead of a result object`;
  const { scope, severity, dueAt, observed } = result as Record<string, unknown>;
  if (scope !== undefined && (typeof scope !== 'string' || scope.length === 0 || scope.length > 200)) {
    return 'scope must be a non-empty string of at most 200 characters';
  }
  if (severity !== undefined && !isSeverity(severity)) return `severity ${JSON.stringify(severity)} is not one of low, medium, high, critical`;
  if (dueAt !== undefined && !(dueAt instanceof Date && !Number.isNaN(dueAt.getTime()))) return 'dueAt must be a valid Date';
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

/** Runs the routed rules of the registry over events. Pure apart from the rules themselves. */
export class PolicyEvaluator {
  constructor(private readonly registry: SectorModuleRegistry) {}

  evaluate(event: TelemetryEvent, model: ModelProfile | undefined, into: FindingCollector): void {
    for (const registered of this.registry.rulesFor(event.event_type, model)) {
      let outcome: RuleResult | readonly RuleResult[] | undefined | null;
      try {
        outcome = registered.rule.evaluate({ event, model, args: registered.defaultArgs });
      } catch (error) {
        into.failures.push({ ruleId: registered.rule.id, moduleId: registered.moduleId, eventId: event.event_id, error });
        continue;
      }
      if (outcome === undefined || outcome === null) continue;
      const results: readonly unknown[] = Array.isArray(outcome) ? outcome : [outcome];
      for (const result of results) {
        // A plug-in's result is checked before use: a malformed one is the rule's failure,
        // never an exception that would stop the partition.
        const problem = checkResult(result);
        if (problem) {
          into.failures.push({ ruleId: registered.rule.id, moduleId: registered.moduleId, eventId: event.event_id, error: new Error(problem) });
        } else {
          into.add(event, model, registered, result as RuleResult);
        }
      }
    }
  }
}
