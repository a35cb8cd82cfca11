import { SEVERITIES, type RuleVerdict, type Severity } from '@kanshi/contracts';
import type { ModelEntity, OpenAlertCount } from '@kanshi/persistence';

/** A rule that applies to a model, as the posture needs it. */
export interface PostureRule {
  readonly ruleId: string;
  readonly title: string;
  readonly enabled: boolean;
}

/**
 * A model's compliance posture: its open alerts by severity and by rule, when it last sent
 * telemetry, and which of the rules that apply to it pass (enabled, no open alert, last window
 * judged), fail (an open alert), could not judge their last window for want of samples
 * (`insufficient_data`, never counted as passing) or are switched off for it.
 */
export function modelPosture(model: ModelEntity, counts: readonly OpenAlertCount[], rules: readonly PostureRule[], verdicts: readonly RuleVerdict[] = []) {
  const mine = counts.filter((c) => c.modelId === model.modelId);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule = new Map<string, { rule_id: string; open: number; highest_severity: Severity }>();
  for (const c of mine) {
    bySeverity[c.severity] += c.count;
    const entry = byRule.get(c.ruleId) ?? { rule_id: c.ruleId, open: 0, highest_severity: c.severity };
    entry.open += c.count;
    if (SEVERITIES.indexOf(c.severity) > SEVERITIES.indexOf(entry.highest_severity)) entry.highest_severity = c.severity;
    byRule.set(c.ruleId, entry);
  }
  const titles = new Map(rules.map((r) => [r.ruleId, r.title]));
  const enabled = rules.filter((r) => r.enabled);
  const enabledIds = new Set(enabled.map((r) => r.ruleId));
  const notJudged = verdicts.filter((v) => v.modelId === model.modelId && v.verdict === 'insufficient' && enabledIds.has(v.ruleId) && !byRule.has(v.ruleId));
  const notJudgedIds = new Set(notJudged.map((v) => v.ruleId));
  return {
    model_id: model.modelId,
    name: model.name,
    sectors: model.sectors,
    status: model.retiredAt ? ('retired' as const) : ('active' as const),
    last_event_at: model.lastEventAt ? model.lastEventAt.toISOString() : null,
    last_received_at: model.lastReceivedAt ? model.lastReceivedAt.toISOString() : null,
    open_alerts: {
      total: mine.reduce((n, c) => n + c.count, 0),
      by_severity: bySeverity,
      by_rule: [...byRule.values()]
        .sort((a, b) => SEVERITIES.indexOf(b.highest_severity) - SEVERITIES.indexOf(a.highest_severity) || a.rule_id.localeCompare(b.rule_id))
        .map((r) => ({ ...r, title: titles.get(r.rule_id) ?? null })),
    },
    rules: {
      applicable: rules.length,
      enabled: enabled.length,
      passing: enabled.filter((r) => !byRule.has(r.ruleId) && !notJudgedIds.has(r.ruleId)).map((r) => r.ruleId),
      failing: enabled.filter((r) => byRule.has(r.ruleId)).map((r) => r.ruleId),
      disabled: rules.filter((r) => !r.enabled).map((r) => r.ruleId),
      insufficient_data: notJudged.map((v) => ({ rule_id: v.ruleId, scope: v.scope, judged_at: v.judgedAt, title: titles.get(v.ruleId) ?? null, observed: v.observed })),
    },
  };
}
