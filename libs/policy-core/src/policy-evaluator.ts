import {
  alertFingerprint,
  findingId,
  type FindingRecord,
  type RaiseAlertJob,
  type Sector,
  type Severity,
  type TelemetryEvent,
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
          due_at: result.dueAt ? result.dueAt.toISOString() : null,
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
      occurred_at: event.timestamp,
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

/** Runs the routed rules of the registry over events. Pure apart from the rules themselves. */
export class PolicyEvaluator {
  constructor(private readonly registry: SectorModuleRegistry) {}

  evaluate(event: TelemetryEvent, model: ModelProfile | undefined, into: FindingCollector): void {
    for (const registered of this.registry.rulesFor(event.event_type, model)) {
      let outcome: RuleResult | readonly RuleResult[] | undefined;
      try {
        outcome = registered.rule.evaluate({ event, model, args: registered.defaultArgs });
      } catch (error) {
        into.failures.push({ ruleId: registered.rule.id, moduleId: registered.moduleId, eventId: event.event_id, error });
        continue;
      }
      if (outcome === undefined) continue;
      const results: readonly RuleResult[] = Array.isArray(outcome) ? outcome : [outcome as RuleResult];
      for (const result of results) into.add(event, model, registered, result);
    }
  }
}
