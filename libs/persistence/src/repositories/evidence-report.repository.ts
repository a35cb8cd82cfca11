import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ModelEntity } from '../entities/model.entity';
import { PolicyOverrideEntity } from '../entities/policy-override.entity';

/** What an evidence report covers: a tenant, a period `[from, to)` (open at a `null` end), and optionally one model or sector. */
export interface ReportScope {
  readonly tenantId: string;
  readonly from: Date | null;
  readonly to: Date | null;
  readonly modelId: string | null;
  readonly sector: string | null;
}

/** Alerts opened in the period, counted; times in seconds from opening. */
export interface ReportAlertFigures {
  readonly opened: number;
  readonly acknowledged: number;
  readonly resolved: number;
  readonly escalated: number;
  readonly bySeverity: Readonly<Record<string, number>>;
  readonly ackMedianSeconds: number | null;
  readonly ackMaxSeconds: number | null;
  readonly resolveMedianSeconds: number | null;
  readonly resolveMaxSeconds: number | null;
}

/** An alert as the report lists it. */
export interface ReportAlertRow {
  readonly id: string;
  readonly modelId: string;
  readonly ruleId: string;
  readonly title: string;
  readonly severity: string;
  readonly status: string;
  readonly openedAt: Date;
  readonly acknowledgedAt: Date | null;
  readonly resolvedAt: Date | null;
  readonly occurrences: number;
  readonly escalationLevel: number;
  readonly dueAt: Date | null;
  readonly reportSubmittedAt: Date | null;
}

/** Rule verdicts recorded in the ledger over the period, per model, rule and outcome. */
export interface ReportVerdictCount {
  readonly modelId: string;
  readonly ruleId: string;
  readonly verdict: string;
  readonly windows: number;
}

/** A change of the inventory or of a policy override, as the ledger recorded it. */
export interface ReportChange {
  readonly at: Date;
  readonly source: string;
  readonly op: string;
  readonly old: Record<string, unknown> | null;
  readonly new: Record<string, unknown> | null;
}

/** A write a person or key made through the API. */
export interface ReportAction {
  readonly at: Date;
  readonly actor: string;
  readonly actorName: string | null;
  readonly method: string;
  readonly target: string;
  readonly status: number;
}

/** A silence in force during the period. */
export interface ReportSilence {
  readonly reason: string;
  readonly createdBy: string;
  readonly createdByName: string | null;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly modelIds: readonly string[];
  readonly ruleIds: readonly string[];
}

/** A bounded list and how many there were in all. */
export interface Listed<T> {
  readonly rows: readonly T[];
  readonly total: number;
}

const PERIOD = (column: string, from: number, to: number) => `($${from}::timestamptz IS NULL OR ${column} >= $${from}) AND ($${to}::timestamptz IS NULL OR ${column} < $${to})`;
const ALERT_SCOPE = `a.tenant_id = $1 AND ($4::text IS NULL OR a.model_id = $4) AND ($5::text IS NULL OR a.sector = $5)`;
const seconds = (v: string | number | null): number | null => (v === null ? null : Math.round(Number(v)));

/**
 * The reads an evidence report makes: inventory, overrides, alerts opened in the period and
 * their figures, findings, silences, the people's writes, and what the ledger recorded of
 * verdicts and inventory changes. Every list is bounded (`limit`) and says how many there were.
 */
@Injectable()
export class EvidenceReportRepository {
  constructor(private readonly dataSource: DataSource) {}

  private params(s: ReportScope): unknown[] {
    return [s.tenantId, s.from, s.to, s.modelId, s.sector];
  }

  async tenantName(tenantId: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ name: string }[]>(`SELECT name FROM tenants WHERE id = $1`, [tenantId]);
    return row?.name ?? null;
  }

  /** The models in scope (the inventory entries as they stand), retired ones included. */
  async models(s: ReportScope, limit: number): Promise<Listed<ModelEntity>> {
    const query = this.dataSource.getRepository(ModelEntity).createQueryBuilder('m').where('m.tenantId = :tenantId', { tenantId: s.tenantId });
    if (s.modelId !== null) query.andWhere('m.modelId = :modelId', { modelId: s.modelId });
    if (s.sector !== null) query.andWhere(':sector = ANY(m.sectors)', { sector: s.sector });
    const [rows, total] = await query.orderBy('m.modelId').take(limit).getManyAndCount();
    return { rows, total };
  }

  /** The tenant's policy overrides as they stand. */
  async overrides(tenantId: string): Promise<PolicyOverrideEntity[]> {
    return this.dataSource.getRepository(PolicyOverrideEntity).find({ where: { tenantId } });
  }

  async alertFigures(s: ReportScope): Promise<ReportAlertFigures> {
    const [row] = await this.dataSource.query<
      { opened: number; acknowledged: number; resolved: number; escalated: number; ack_median: string | null; ack_max: string | null; resolve_median: string | null; resolve_max: string | null }[]
    >(
      `SELECT count(*)::int AS opened,
              count(*) FILTER (WHERE acknowledged_at IS NOT NULL)::int AS acknowledged,
              count(*) FILTER (WHERE resolved_at IS NOT NULL)::int AS resolved,
              count(*) FILTER (WHERE escalation_level > 0)::int AS escalated,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - opened_at)) FILTER (WHERE acknowledged_at IS NOT NULL) AS ack_median,
              max(extract(epoch FROM acknowledged_at - opened_at)) AS ack_max,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)) FILTER (WHERE resolved_at IS NOT NULL) AS resolve_median,
              max(extract(epoch FROM resolved_at - opened_at)) AS resolve_max
         FROM alerts a WHERE ${ALERT_SCOPE} AND ${PERIOD('a.opened_at', 2, 3)}`,
      this.params(s),
    );
    const severities = await this.dataSource.query<{ severity: string; n: number }[]>(
      `SELECT severity, count(*)::int AS n FROM alerts a WHERE ${ALERT_SCOPE} AND ${PERIOD('a.opened_at', 2, 3)} GROUP BY severity`,
      this.params(s),
    );
    return {
      opened: row?.opened ?? 0,
      acknowledged: row?.acknowledged ?? 0,
      resolved: row?.resolved ?? 0,
      escalated: row?.escalated ?? 0,
      bySeverity: Object.fromEntries(severities.map((r) => [r.severity, r.n])),
      ackMedianSeconds: seconds(row?.ack_median ?? null),
      ackMaxSeconds: seconds(row?.ack_max ?? null),
      resolveMedianSeconds: seconds(row?.resolve_median ?? null),
      resolveMaxSeconds: seconds(row?.resolve_max ?? null),
    };
  }

  /** Alerts opened in the period, most severe and oldest first. */
  async alerts(s: ReportScope, limit: number): Promise<readonly ReportAlertRow[]> {
    return this.alertRows(`${PERIOD('a.opened_at', 2, 3)}`, s, limit);
  }

  /** Alerts in scope whose regulatory clock ran in the period (opened or due in it). */
  async clockAlerts(s: ReportScope, limit: number): Promise<readonly ReportAlertRow[]> {
    return this.alertRows(`a.due_at IS NOT NULL AND ((${PERIOD('a.opened_at', 2, 3)}) OR (${PERIOD('a.due_at', 2, 3)}))`, s, limit);
  }

  private async alertRows(condition: string, s: ReportScope, limit: number): Promise<readonly ReportAlertRow[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        model_id: string;
        rule_id: string;
        title: string;
        severity: string;
        status: string;
        opened_at: Date;
        acknowledged_at: Date | null;
        resolved_at: Date | null;
        occurrence_count: number;
        escalation_level: number;
        due_at: Date | null;
        report_submitted_at: Date | null;
      }[]
    >(
      `SELECT id, model_id, rule_id, title, severity, status, opened_at, acknowledged_at, resolved_at, occurrence_count, escalation_level, due_at, report_submitted_at
         FROM alerts a WHERE ${ALERT_SCOPE} AND ${condition}
        ORDER BY array_position(ARRAY['critical','high','medium','low','info'], a.severity), a.opened_at, a.id LIMIT $6`,
      [...this.params(s), limit],
    );
    return rows.map((r) => ({
      id: r.id,
      modelId: r.model_id,
      ruleId: r.rule_id,
      title: r.title,
      severity: r.severity,
      status: r.status,
      openedAt: r.opened_at,
      acknowledgedAt: r.acknowledged_at,
      resolvedAt: r.resolved_at,
      occurrences: r.occurrence_count,
      escalationLevel: r.escalation_level,
      dueAt: r.due_at,
      reportSubmittedAt: r.report_submitted_at,
    }));
  }

  /** Findings (distinct events a rule fired on) in the period, of alerts in scope. */
  async findings(s: ReportScope): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM alert_findings f JOIN alerts a ON a.id = f.alert_id WHERE f.tenant_id = $1 AND ${ALERT_SCOPE} AND ${PERIOD('f.occurred_at', 2, 3)}`,
      this.params(s),
    );
    return row?.n ?? 0;
  }

  /** How often each kind of alert change happened in the period, to alerts in scope. */
  async historyActions(s: ReportScope): Promise<Readonly<Record<string, number>>> {
    const rows = await this.dataSource.query<{ action: string; n: number }[]>(
      `SELECT h.action, count(*)::int AS n FROM alert_history h JOIN alerts a ON a.id = h.alert_id WHERE h.tenant_id = $1 AND ${ALERT_SCOPE} AND ${PERIOD('h.at', 2, 3)} GROUP BY h.action`,
      this.params(s),
    );
    return Object.fromEntries(rows.map((r) => [r.action, r.n]));
  }

  /** Silences in force at some time in the period that could hold alerts in scope. */
  async silences(s: ReportScope, limit: number): Promise<Listed<ReportSilence>> {
    const where = `tenant_id = $1 AND ($3::timestamptz IS NULL OR starts_at < $3) AND ($2::timestamptz IS NULL OR ends_at > $2)
      AND ($4::text IS NULL OR cardinality(model_ids) = 0 OR $4 = ANY(model_ids)) AND ($5::text IS NULL OR cardinality(sectors) = 0 OR $5 = ANY(sectors))`;
    const rows = await this.dataSource.query<{ reason: string; created_by: string; created_by_name: string | null; starts_at: Date; ends_at: Date; model_ids: string[]; rule_ids: string[] }[]>(
      `SELECT reason, created_by, created_by_name, starts_at, ends_at, model_ids, rule_ids FROM silences WHERE ${where} ORDER BY starts_at, id LIMIT $6`,
      [...this.params(s), limit],
    );
    const [count] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM silences WHERE ${where}`, this.params(s));
    return {
      rows: rows.map((r) => ({ reason: r.reason, createdBy: r.created_by, createdByName: r.created_by_name, startsAt: r.starts_at, endsAt: r.ends_at, modelIds: r.model_ids, ruleIds: r.rule_ids })),
      total: count?.n ?? rows.length,
    };
  }

  /** Writes made through the API in the period (who, what, when), oldest first. */
  async actions(s: ReportScope, limit: number): Promise<Listed<ReportAction>> {
    const where = `tenant_id = $1 AND method <> 'GET' AND ${PERIOD('at', 2, 3)}`;
    const rows = await this.dataSource.query<{ at: Date; actor: string; actor_name: string | null; method: string; target: string; status: number }[]>(
      `SELECT at, actor, actor_name, method, target, status FROM audit_log WHERE ${where} ORDER BY at, id LIMIT $4`,
      [s.tenantId, s.from, s.to, limit],
    );
    const [count] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`, [s.tenantId, s.from, s.to]);
    return { rows: rows.map((r) => ({ at: r.at, actor: r.actor, actorName: r.actor_name, method: r.method, target: r.target, status: r.status })), total: count?.n ?? rows.length };
  }

  /**
   * Verdicts the ledger recorded of windows judged in the period (by the window's time), counted
   * per model, rule and outcome. An entry is never recorded before the window it judges.
   */
  async verdicts(s: ReportScope): Promise<readonly ReportVerdictCount[]> {
    const rows = await this.dataSource.query<{ model_id: string; rule_id: string; verdict: string; n: number }[]>(
      `SELECT v ->> 'model_id' AS model_id, v ->> 'rule_id' AS rule_id, v ->> 'verdict' AS verdict, count(*)::int AS n
         FROM evidence_ledger l CROSS JOIN LATERAL jsonb_array_elements(l.entry::jsonb -> 'data') v
        WHERE l.tenant_id = $1 AND ($2::timestamptz IS NULL OR l.at >= $2) AND l.entry::jsonb ->> 'source' = 'rule_verdicts'
          AND jsonb_typeof(l.entry::jsonb -> 'data') = 'array'
          AND ${PERIOD("(v ->> 'judged_at')::timestamptz", 2, 3)} AND ($4::text IS NULL OR v ->> 'model_id' = $4)
          AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM models m WHERE m.tenant_id = $1 AND m.model_id = v ->> 'model_id' AND $5 = ANY(m.sectors)))
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      this.params(s),
    );
    return rows.map((r) => ({ modelId: r.model_id, ruleId: r.rule_id, verdict: r.verdict, windows: r.n }));
  }

  /**
   * Inventory and policy override changes the ledger recorded in the period, oldest first: of the
   * models in scope, and the overrides that can apply to them (the tenant's, their sector's, theirs).
   */
  async changes(s: ReportScope, limit: number): Promise<Listed<ReportChange>> {
    // e: the entry; r: the changed row as it stands after the change (or before a delete).
    const from = `evidence_ledger l
      CROSS JOIN LATERAL (SELECT l.entry::jsonb AS e) x
      CROSS JOIN LATERAL (SELECT x.e ->> 'source' AS source, coalesce(x.e #> '{data,new}', x.e #> '{data,old}') AS r) c`;
    const where = `l.tenant_id = $1 AND ${PERIOD('l.at', 2, 3)} AND c.source IN ('models', 'policy_overrides') AND jsonb_typeof(x.e -> 'data') = 'object'
      AND CASE
        WHEN c.source = 'models' THEN ($4::text IS NULL OR c.r ->> 'model_id' = $4) AND ($5::text IS NULL OR c.r -> 'sectors' ? $5)
        WHEN c.r ->> 'scope' = 'model' THEN ($4::text IS NULL OR c.r ->> 'target' = $4)
          AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM models m WHERE m.tenant_id = $1 AND m.model_id = c.r ->> 'target' AND $5 = ANY(m.sectors)))
        WHEN c.r ->> 'scope' = 'sector' THEN ($5::text IS NULL OR c.r ->> 'target' = $5)
          AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM models m WHERE m.tenant_id = $1 AND m.model_id = $4 AND c.r ->> 'target' = ANY(m.sectors)))
        ELSE true
      END`;
    const rows = await this.dataSource.query<{ at: Date; source: string; op: string; old: Record<string, unknown> | null; new: Record<string, unknown> | null }[]>(
      `SELECT l.at, c.source, x.e ->> 'op' AS op, x.e #> '{data,old}' AS old, x.e #> '{data,new}' AS new FROM ${from} WHERE ${where} ORDER BY l.seq LIMIT $6`,
      [...this.params(s), limit],
    );
    const [count] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${from} WHERE ${where}`, this.params(s));
    return { rows, total: count?.n ?? rows.length };
  }
}
