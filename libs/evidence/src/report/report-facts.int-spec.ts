import { loadConfig } from '@kanshi/config';
import { createDataSource, EvidenceReportRepository, EvidenceRepository, ModelRepository, PolicyOverrideRepository } from '@kanshi/persistence';
import { modelProfile } from '@kanshi/policy-sdk';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { EvidenceLedger } from '../evidence-ledger.service';
import { EvidenceSigner } from '../evidence-signer';
import { gatherReportFacts, type RulesInForce } from './report-facts';

const app = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-report');
const ledger = new EvidenceLedger(new EvidenceRepository(app), EvidenceSigner.fromSeed(Buffer.alloc(32, 5)));
const rulesInForce: RulesInForce = (model, overrides) => [
  { ruleId: 'F1', title: 'Population stability', enabled: true, enabledSource: 'default', args: { overrides: overrides.length, model: model.modelId }, argSources: {} },
];

beforeAll(() => app.initialize());
afterAll(() => app.destroy());

/** An alert of `modelId` opened at `opened`, acknowledged and resolved that many seconds later, with `findings` findings. */
async function alert(tenantId: string, modelId: string, opened: Date, o: { ackAfter?: number; resolveAfter?: number; findings: number; dueAt?: Date; submittedAt?: Date }): Promise<void> {
  const plus = (s: number | undefined) => (s === undefined ? null : new Date(opened.getTime() + s * 1000));
  const [row] = await app.query<{ id: string }[]>(
    `INSERT INTO alerts (tenant_id, fingerprint, model_id, rule_id, module_id, sector, scope, title, source, severity, status, first_seen_at, last_seen_at, opened_at, acknowledged_at, resolved_at, due_at, report_submitted_at, occurrence_count)
     VALUES ($1, $2, $3, 'F1', 'finance', 'finance', '', 'Drift', 'fsa', 'high', 'firing', $4, $4, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [tenantId, uniqueId('fp'), modelId, opened, plus(o.ackAfter), plus(o.resolveAfter), o.dueAt ?? null, o.submittedAt ?? null, o.findings],
  );
  await app.query(
    `INSERT INTO alert_findings (finding_id, alert_id, tenant_id, event_id, occurred_at, severity, observed)
     SELECT $2 || ':' || i, $2::uuid, $1, 'evt-' || i, $3, 'high', '{}'::jsonb FROM generate_series(1, $4) AS i`,
    [tenantId, row?.id, opened, o.findings],
  );
}

describe('the facts of an evidence report (real PostgreSQL)', () => {
  it('reads the period and scope asked for: alerts and their times, findings, clocks, verdicts and inventory changes from the ledger', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('report'));
    const models = new ModelRepository(app);
    await models.upsert(modelProfile({ tenantId, modelId: 'credit_v2', name: 'Credit v2', sectors: ['finance'], riskTier: 'medium' }));
    await models.upsert(modelProfile({ tenantId, modelId: 'credit_v2', name: 'Credit v2', sectors: ['finance'], riskTier: 'high', owner: 'Credit risk' }));
    await models.upsert(modelProfile({ tenantId, modelId: 'churn_v1', name: 'Churn', sectors: ['finance'] }));
    await new PolicyOverrideRepository(app).put({ tenantId, scope: 'model', target: 'credit_v2', ruleId: 'F1' }, { enabled: null, args: { psi_threshold: 0.3 } });
    const day = (n: number) => new Date(Date.UTC(2026, 10, n, 9));
    const judged = (verdict: string, n: number) => ({ tenantId, modelId: 'credit_v2', ruleId: 'F1', scope: `s${n}`, verdict: verdict as 'pass', observed: null, judgedAt: day(n).toISOString() });
    await models.recordRuleVerdicts([judged('pass', 1), judged('pass', 2), judged('fail', 3)]);
    await models.recordRuleVerdicts([{ ...judged('insufficient', 4), scope: 's1' }]);
    await ledger.sealTenant(tenantId);

    // In the period: three alerts of credit_v2; before it: one; of another model: one.
    await alert(tenantId, 'credit_v2', day(5), { ackAfter: 60, resolveAfter: 600, findings: 2 });
    await alert(tenantId, 'credit_v2', day(6), { ackAfter: 180, findings: 3, dueAt: day(8), submittedAt: day(7) });
    await alert(tenantId, 'credit_v2', day(7), { findings: 1, dueAt: day(9) });
    await alert(tenantId, 'credit_v2', new Date(Date.UTC(2026, 9, 20)), { ackAfter: 5, findings: 7 });
    await alert(tenantId, 'churn_v1', day(5), { ackAfter: 1, findings: 9 });

    const store = new EvidenceReportRepository(app);
    const scope = { tenantId, from: day(1), to: new Date(Date.UTC(2026, 11, 1)), modelId: 'credit_v2', sector: null };
    const facts = await gatherReportFacts(store, rulesInForce, scope, null);

    expect(facts.models.rows.map((m) => [m.modelId, m.riskTier, m.owner])).toEqual([['credit_v2', 'high', 'Credit risk']]);
    expect(facts.models.rows[0]?.rules[0]?.args).toEqual({ overrides: 1, model: 'credit_v2' });
    expect(facts.findings).toBe(6);
    expect(facts.alertFigures).toMatchObject({ opened: 3, acknowledged: 2, resolved: 1, bySeverity: { high: 3 }, ackMedianSeconds: 120, ackMaxSeconds: 180, resolveMedianSeconds: 600 });
    expect(facts.alerts.map((a) => a.occurrences)).toEqual([2, 3, 1]);
    expect(facts.clockAlerts.map((a) => [a.dueAt?.toISOString(), a.reportSubmittedAt?.toISOString() ?? null])).toEqual([
      [day(8).toISOString(), day(7).toISOString()],
      [day(9).toISOString(), null],
    ]);
    // The ledger holds every verdict recorded, also the ones a later verdict replaced in rule_verdicts.
    expect(facts.verdicts).toEqual([
      { modelId: 'credit_v2', ruleId: 'F1', verdict: 'fail', windows: 1 },
      { modelId: 'credit_v2', ruleId: 'F1', verdict: 'insufficient', windows: 1 },
      { modelId: 'credit_v2', ruleId: 'F1', verdict: 'pass', windows: 2 },
    ]);
    // Chained now, so recorded in the period only when it is open at the end: a period to now sees them.
    const toNow = await gatherReportFacts(store, rulesInForce, { ...scope, from: null, to: null }, null);
    const changes = toNow.changes.rows.map((c) => [c.source, c.op, c.new?.['risk_tier'] ?? c.new?.['rule_id']]);
    expect(changes).toEqual([
      ['models', 'insert', 'medium'],
      ['models', 'update', 'high'],
      ['policy_overrides', 'insert', 'F1'],
    ]);
    expect(toNow.alertFigures.opened).toBe(4);
    // A sector scope takes both models.
    const sector = await gatherReportFacts(store, rulesInForce, { ...scope, modelId: null, sector: 'finance' }, null);
    expect(sector.models.total).toBe(2);
    expect(sector.findings).toBe(15);

    // Another sector's model, and an override of another model: left out of a model's or a sector's report.
    await models.upsert(modelProfile({ tenantId, modelId: 'triage', name: 'Triage', sectors: ['medical'] }));
    await models.recordRuleVerdicts([{ ...judged('fail', 5), modelId: 'triage', ruleId: 'M4' }]);
    await new PolicyOverrideRepository(app).put({ tenantId, scope: 'model', target: 'churn_v1', ruleId: 'F1' }, { enabled: false, args: {} });
    await new PolicyOverrideRepository(app).put({ tenantId, scope: 'sector', target: 'medical', ruleId: 'G2' }, { enabled: false, args: {} });
    await ledger.sealTenant(tenantId);
    const whole = { ...scope, from: null, to: null };
    const ofModel = await gatherReportFacts(store, rulesInForce, whole, null);
    expect(ofModel.changes.rows.map((c) => [c.source, c.new?.['model_id'] ?? `${String(c.new?.['scope'])}:${String(c.new?.['target'])}`])).toEqual([
      ['models', 'credit_v2'],
      ['models', 'credit_v2'],
      ['policy_overrides', 'model:credit_v2'],
    ]);
    const medical = await gatherReportFacts(store, rulesInForce, { ...whole, modelId: null, sector: 'medical' }, null);
    expect(medical.verdicts).toEqual([{ modelId: 'triage', ruleId: 'M4', verdict: 'fail', windows: 1 }]);
    expect(medical.changes.rows.map((c) => [c.source, c.new?.['model_id'] ?? `${String(c.new?.['scope'])}:${String(c.new?.['target'])}`])).toEqual([
      ['models', 'triage'],
      ['policy_overrides', 'sector:medical'],
    ]);
    const finance = await gatherReportFacts(store, rulesInForce, { ...whole, modelId: null, sector: 'finance' }, null);
    expect(finance.verdicts.map((v) => v.modelId)).not.toContain('triage');
    expect(finance.changes.rows.some((c) => c.new?.['target'] === 'churn_v1')).toBe(true);
  });
});
