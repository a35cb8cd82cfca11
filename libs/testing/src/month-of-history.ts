import { ModelRepository } from '@kanshi/persistence';
import type { DataSource } from 'typeorm';

/** What {@link seedMonthOfHistory} wrote, to compare with what reports and the API say. */
export interface SeededHistory {
  readonly from: Date;
  readonly to: Date;
  /** Windows judged (one verdict each), by outcome. */
  readonly verdicts: { readonly pass: number; readonly fail: number; readonly insufficient: number };
  readonly alerts: number;
  readonly findings: number;
  readonly acknowledged: number;
  readonly resolved: number;
}

/**
 * Writes a month (by default) of a model's monitoring history the way the apps write it, ending
 * at `now`: every hour a verdict of each rule (one statement per hour, as the engine records a
 * batch: 1 in 40 fails, 1 in 25 lacks data), an alert every `alertEveryHours` with 1–5 findings
 * over the following hour, two of three acknowledged after 5–95 minutes and half resolved after
 * 1–6 hours. Deterministic. The ledger's capture triggers see every statement.
 */
export async function seedMonthOfHistory(
  dataSource: DataSource,
  tenantId: string,
  modelId: string,
  options: { readonly days?: number; readonly rules?: readonly string[]; readonly alertEveryHours?: number; readonly now?: Date } = {},
): Promise<SeededHistory> {
  const days = options.days ?? 30;
  const rules = options.rules ?? ['F1', 'F2', 'F3', 'F5', 'F7', 'G2', 'G3', 'G5'];
  const every = options.alertEveryHours ?? 6;
  const to = new Date(Math.floor((options.now ?? new Date()).getTime() / 3_600_000) * 3_600_000);
  const from = new Date(to.getTime() - days * 86_400_000);
  const hours = days * 24;
  const models = new ModelRepository(dataSource);
  const verdicts = { pass: 0, fail: 0, insufficient: 0 };
  for (let hour = 0; hour < hours; hour += 1) {
    const judgedAt = new Date(from.getTime() + hour * 3_600_000 + 1800_000).toISOString();
    await models.recordRuleVerdicts(
      rules.map((ruleId, r) => {
        const n = hour * rules.length + r;
        const verdict = n % 40 === 7 ? 'fail' : n % 25 === 3 ? 'insufficient' : 'pass';
        verdicts[verdict] += 1;
        return { tenantId, modelId, ruleId, scope: 'model', verdict, observed: { value: (n % 100) / 100 }, judgedAt };
      }),
    );
  }
  const alertHours = Array.from({ length: Math.floor(hours / every) }, (_, i) => i * every + 1);
  const plan = alertHours.map((hour, i) => ({
    opened: new Date(from.getTime() + hour * 3_600_000),
    findings: 1 + (i % 5),
    ackAfter: i % 3 === 2 ? null : 5 + ((i * 17) % 91),
    resolveAfter: i % 2 === 0 ? 60 + ((i * 37) % 301) : null,
    rule: rules[i % rules.length] ?? 'G2',
  }));
  await dataSource.query(
    `WITH plan AS (
       SELECT * FROM jsonb_to_recordset($3::jsonb) AS p(n int, opened timestamptz, findings int, ack_after int, resolve_after int, rule text)),
     made AS (
       INSERT INTO alerts (tenant_id, fingerprint, model_id, rule_id, module_id, sector, scope, title, source, severity, status, first_seen_at, last_seen_at, opened_at,
                           acknowledged_at, resolved_at, occurrence_count)
       SELECT $1, 'month:' || $2 || ':' || p.n, $2, p.rule, 'finance-fsa', 'finance', 'window:' || p.n, 'Seeded finding of ' || p.rule, 'seed', 'high',
              CASE WHEN p.resolve_after IS NOT NULL AND p.ack_after IS NOT NULL THEN 'resolved' WHEN p.ack_after IS NOT NULL THEN 'acknowledged' ELSE 'firing' END,
              p.opened, p.opened + interval '1 hour', p.opened,
              p.opened + make_interval(mins => p.ack_after),
              CASE WHEN p.ack_after IS NULL THEN NULL ELSE p.opened + make_interval(mins => p.resolve_after) END,
              p.findings
         FROM plan p
       RETURNING id, opened_at, occurrence_count)
     INSERT INTO alert_findings (finding_id, alert_id, tenant_id, event_id, occurred_at, severity, observed)
     SELECT m.id || ':' || i, m.id, $1, 'seed-' || m.id || '-' || i, m.opened_at + make_interval(mins => i * 10), 'high', '{}'::jsonb
       FROM made m CROSS JOIN LATERAL generate_series(1, m.occurrence_count) AS i`,
    [
      tenantId,
      modelId,
      JSON.stringify(plan.map((p, n) => ({ n, opened: p.opened.toISOString(), findings: p.findings, ack_after: p.ackAfter, resolve_after: p.resolveAfter, rule: p.rule }))),
    ],
  );
  return {
    from,
    to,
    verdicts,
    alerts: plan.length,
    findings: plan.reduce((n, p) => n + p.findings, 0),
    acknowledged: plan.filter((p) => p.ackAfter !== null).length,
    resolved: plan.filter((p) => p.ackAfter !== null && p.resolveAfter !== null).length,
  };
}
