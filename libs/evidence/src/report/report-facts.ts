import type { EvidenceReportRepository, ModelEntity, PolicyOverrideEntity, ReportScope } from '@kanshi/persistence';
import type { ReportFacts, RuleInForce } from './evidence-report';

/** The rules that apply to a model and their configuration in force, given the tenant's overrides (the policy catalogue's answer). */
export type RulesInForce = (model: ModelEntity, overrides: readonly PolicyOverrideEntity[]) => readonly RuleInForce[];

/** How many rows each list of the report holds at most: the rest are counted, not listed. */
export const REPORT_LIMITS = { models: 200, changes: 500, actions: 500, alerts: 200, silences: 200, clocks: 500 } as const;

/** Reads what a report on `scope` shows; every list bounded by {@link REPORT_LIMITS}. */
export async function gatherReportFacts(
  store: EvidenceReportRepository,
  rulesInForce: RulesInForce,
  scope: ReportScope,
  ledger: ReportFacts['ledger'],
): Promise<ReportFacts> {
  const [name, models, overrides] = await Promise.all([store.tenantName(scope.tenantId), store.models(scope, REPORT_LIMITS.models), store.overrides(scope.tenantId)]);
  return {
    tenant: { id: scope.tenantId, name },
    period: { from: scope.from, to: scope.to },
    scope: { modelId: scope.modelId, sector: scope.sector },
    ledger,
    models: {
      total: models.total,
      rows: models.rows.map((m) => ({
        modelId: m.modelId,
        name: m.name,
        sectors: m.sectors,
        riskTier: m.riskTier,
        owner: m.owner,
        intendedUse: m.intendedUse,
        approvedVersions: m.approvedVersions.map((v) => v.version),
        deployedVersion: m.deployedVersion,
        deployedAt: m.deployedAt,
        lastEventAt: m.lastEventAt,
        retiredAt: m.retiredAt,
        rules: rulesInForce(m, overrides),
      })),
    },
    changes: await store.changes(scope, REPORT_LIMITS.changes),
    actions: await store.actions(scope, REPORT_LIMITS.actions),
    verdicts: await store.verdicts(scope),
    alertFigures: await store.alertFigures(scope),
    alerts: await store.alerts(scope, REPORT_LIMITS.alerts),
    findings: await store.findings(scope),
    historyActions: await store.historyActions(scope),
    silences: await store.silences(scope, REPORT_LIMITS.silences),
    clockAlerts: await store.clockAlerts(scope, REPORT_LIMITS.clocks),
  };
}
