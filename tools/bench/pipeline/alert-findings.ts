import { alertFingerprint, findingId, type FindingRecord, type RaiseAlertJob, type Severity } from '@kanshi/contracts';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { SectorModuleRegistry, type RegisteredRule } from '@kanshi/policy-core';
import { SeededRandom } from '@kanshi/testing';

/**
 * The findings of an incident storm, shared by the alert-path scenario (Kanshi's worker) and
 * the alertmanager scenario (the peer), so both take the same work: many findings over fewer
 * fingerprints, each fingerprint's findings spread over successive engine batches.
 */

/** Findings per alert fingerprint, split over several jobs as successive engine batches would. */
export const FINDINGS_PER_FINGERPRINT = 5;
export const JOB_SPLIT = [2, 2, 1] as const;
export const RULES_PER_MODEL = 10;
const SEED = 20260307;

/** How many fingerprints the storm has (findings: {@link FINDINGS_PER_FINGERPRINT} times as many). */
export const stormFingerprints = (quick: boolean): number => (quick ? 400 : 20_000);

/** The first rules of the built-in modules, as the storm's rules. */
export function stormRules(): readonly RegisteredRule[] {
  return SectorModuleRegistry.load(BUILT_IN_SECTOR_MODULES).rules.slice(0, RULES_PER_MODEL);
}

/** A raise job of one rule on one model (scope `model`), as the engine would enqueue it. */
export function raiseJob(tenantId: string, modelId: string, rule: RegisteredRule, findings: readonly FindingRecord[]): RaiseAlertJob {
  return {
    fingerprint: alertFingerprint(tenantId, modelId, rule.rule.id, 'model'),
    tenant_id: tenantId,
    model_id: modelId,
    rule_id: rule.rule.id,
    module_id: rule.moduleId,
    sector: 'general',
    scope: 'model',
    title: rule.rule.title,
    source: 'bench',
    args: rule.defaultArgs,
    due_at: null,
    findings,
  };
}

/** `raise` jobs as the engine would send them: each fingerprint's findings spread over successive batches, batches shuffled. */
export function raiseJobs(tenantId: string, fingerprints: number, rules: readonly RegisteredRule[], runId: string): { jobs: RaiseAlertJob[]; findings: number } {
  const random = new SeededRandom(SEED);
  const base = Date.now() - 3_600_000;
  let events = 0;
  const perFingerprint: RaiseAlertJob[][] = [];
  for (let i = 0; i < fingerprints; i += 1) {
    const rule = rules[i % rules.length];
    if (!rule) throw new Error('the registry has no rules');
    const modelId = `bench-model-${Math.floor(i / RULES_PER_MODEL)}`;
    const fingerprint = alertFingerprint(tenantId, modelId, rule.rule.id, 'model');
    const findings: FindingRecord[] = Array.from({ length: FINDINGS_PER_FINGERPRINT }, (_, k) => {
      const eventId = `ev-${runId}-${(events += 1)}`;
      // Every tenth alert gets worse on its last finding: the severity-raise path runs too.
      const severity: Severity = k === FINDINGS_PER_FINGERPRINT - 1 && i % 10 === 0 ? 'critical' : 'high';
      return { finding_id: findingId(fingerprint, eventId), event_id: eventId, occurred_at: new Date(base + events).toISOString(), severity, observed: { score: 0.91, event_id: eventId }, evidence_event_ids: [eventId] };
    });
    const jobs: RaiseAlertJob[] = [];
    let from = 0;
    for (const size of JOB_SPLIT) {
      jobs.push(raiseJob(tenantId, modelId, rule, findings.slice(from, from + size)));
      from += size;
    }
    perFingerprint.push(jobs);
  }
  // Round r holds every fingerprint's r-th job (a later engine batch), in a shuffled order.
  const jobs: RaiseAlertJob[] = [];
  for (let round = 0; round < JOB_SPLIT.length; round += 1) {
    const batch = perFingerprint.map((list) => list[round]).filter((j): j is RaiseAlertJob => j !== undefined);
    for (let i = batch.length - 1; i > 0; i -= 1) {
      const j = random.int(0, i);
      [batch[i], batch[j]] = [batch[j] as RaiseAlertJob, batch[i] as RaiseAlertJob];
    }
    jobs.push(...batch);
  }
  return { jobs, findings: events };
}
