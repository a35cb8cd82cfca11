import request from 'supertest';
import type { TelemetryEvent } from '@kanshi/contracts';
import { RULE_CLOCK_INTERVAL_MS } from '@kanshi/policy-core';
import { alertTally, createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface AlertView {
  id: string;
  rule_id: string;
  model_id: string;
  scope: string;
  severity: string;
  sector: string;
  occurrence_count: number;
  observed: Record<string, unknown>;
  evidence_event_ids: string[];
}

const HOUR = 3_600_000;
const CREDIT = 'credit-scoring';
const CREDIT_VERSION = { version: '3.4.1', hash: 'sha256:9f2c4e1a7b3d' };
const TRIAGE = 'ct-triage';
const TRIAGE_VERSION = { version: '2.1.0', hash: 'sha256:41be0c9d22aa' };
const RECOMMENDER = 'news-recommender';
const WARD = 'ward-deterioration';
const WARD_VERSION = { version: '1.4.0', hash: 'sha256:77aa01be9c3f' };

/**
 * Scripted sector scenarios across the running apps: events produced straight to Kafka with the
 * `tenant:model` key, alerts read back through GET /v1/alerts. Each model is registered so that
 * only the rule under test has reason to fire; alerts are still filtered by rule id.
 */
describe('sector scenarios, end to end (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;

  const alertsOf = async (query: Record<string, string>): Promise<AlertView[]> => {
    const response = await request(kanshi.apiHttp).get('/v1/alerts').query(query).set('Authorization', `Bearer ${tenant.keys.viewer}`);
    expect(response.status).toBe(200);
    return (response.body as { items: AlertView[] }).items;
  };

  const firstAlert = (modelId: string, rule: string) =>
    waitFor(`a ${rule} alert for ${modelId}`, async () => (await alertsOf({ model: modelId, rule }))[0], 30_000);

  const event = (modelId: string, fields: Partial<TelemetryEvent>): TelemetryEvent => telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId, ...fields });

  beforeAll(async () => {
    kanshi = await startKanshi();
    const validated = new Date(Date.now() - 30 * 24 * HOUR).toISOString().slice(0, 10);
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('scenarios'), [
      {
        modelId: CREDIT,
        name: 'Retail credit scoring',
        sectors: ['finance'],
        riskTier: 'T1',
        owner: 'credit-risk@bank.example',
        intendedUse: 'Unsecured personal loan decisions',
        approvedUseScope: ['unsecured_personal_loan'],
        approvedVersions: [CREDIT_VERSION],
        lastValidatedAt: validated,
      },
      {
        modelId: TRIAGE,
        name: 'Chest CT triage',
        sectors: ['medical'],
        riskTier: 'class-II',
        owner: 'radiology-ai@hospital.example',
        intendedUse: 'Prioritise chest CT studies for radiologist review',
        approvedVersions: [TRIAGE_VERSION],
        changePlan: { ref: 'PCCP-CT-TRIAGE-001', scope: ['retrain', 'threshold'] },
      },
      {
        modelId: WARD,
        name: 'Ward deterioration alert',
        sectors: ['medical'],
        riskTier: 'class-II',
        owner: 'clinical-ai@hospital.example',
        intendedUse: 'Warn nurses of patients likely to deteriorate',
        approvedVersions: [WARD_VERSION],
      },
      {
        modelId: RECOMMENDER,
        name: 'News recommender',
        sectors: ['platform'],
        riskTier: 'T3',
        owner: 'platform@media.example',
        intendedUse: 'Rank news articles',
      },
    ]);
    await kanshi.engineKnowsTenant(tenant.tenantId);
  });

  afterAll(async () => {
    await kanshi?.stop();
  });

  it('F3: a bank credit model whose explanation coverage falls below 0.99 in one hour fires F3 once for the window, not once per event', async () => {
    // A whole hour three hours back: its close plus the 15m lateness is already past, so the
    // engine's clock judges it at its next tick.
    const windowStart = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const decisions = 25;
    const unexplained = new Set([3, 11, 19]);
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < decisions; i += 1) {
      const trace = uniqueId(`tr-${i}`);
      const at = windowStart + 5 * 60_000 + i * 60_000;
      events.push(
        event(CREDIT, {
          timestamp: new Date(at).toISOString(),
          trace_id: trace,
          model_version: CREDIT_VERSION.version,
          model_hash: CREDIT_VERSION.hash,
          payload: { input_hash: `in-${i}`, score: 0.03, decision: 'approve', segment: 'salaried', use_scope: 'unsecured_personal_loan' },
        }),
      );
      if (unexplained.has(i)) continue;
      // Half match on the payload's trace id, half on the envelope's only.
      events.push(
        event(CREDIT, {
          event_type: 'explanation',
          timestamp: new Date(at + 200).toISOString(),
          trace_id: trace,
          model_version: CREDIT_VERSION.version,
          model_hash: CREDIT_VERSION.hash,
          payload: i % 2 === 0 ? { trace_id: trace, reason_codes: ['DTI_HIGH'], method: 'shap' } : { reason_codes: ['SHORT_TENURE'] },
        }),
      );
    }
    // One send: one record batch on the model's partition, evaluated before the clock can judge the window.
    await kanshi.produce(events);

    const alert = await firstAlert(CREDIT, 'F3');
    const explained = decisions - unexplained.size;
    expect(alert).toMatchObject({ rule_id: 'F3', model_id: CREDIT, scope: 'all-decisions', severity: 'high', sector: 'finance', occurrence_count: 1 });
    expect(alert.observed).toEqual({
      coverage: explained / decisions,
      decisions,
      explained,
      window_start: new Date(windowStart).toISOString(),
      window_end: new Date(windowStart + HOUR).toISOString(),
    });

    // Everything produced is evaluated and a few more clock ticks have passed: still one alert, one finding.
    await kanshi.engineCaughtUp();
    await new Promise((resolve) => setTimeout(resolve, 3 * RULE_CLOCK_INTERVAL_MS));
    const f3 = await alertsOf({ model: CREDIT, rule: 'F3' });
    expect(f3.map((a) => [a.scope, a.occurrence_count])).toEqual([['all-decisions', 1]]);
    const tally = await alertTally(kanshi.dataSource, tenant.tenantId, 'F3');
    expect(tally.get(CREDIT)).toEqual({ occurrences: 1, eventIds: [new Date(windowStart).toISOString()] });
  });

  it('M1: a hospital model deployed with an artefact hash outside the approved set fires M1 as critical', async () => {
    const deployment = event(TRIAGE, {
      event_type: 'model_deployment',
      model_version: TRIAGE_VERSION.version,
      model_hash: 'sha256:0badc0ffee00',
      payload: {
        version: TRIAGE_VERSION.version,
        hash: 'sha256:0badc0ffee00',
        approval_status: 'plan_confirmed',
        change_type: 'retrain',
        change_plan_ref: 'PCCP-CT-TRIAGE-001',
        risk_tier: 'class-II',
      },
    });
    await kanshi.produce([deployment]);

    const alert = await firstAlert(TRIAGE, 'M1');
    expect(alert).toMatchObject({ rule_id: 'M1', model_id: TRIAGE, severity: 'critical', sector: 'medical', occurrence_count: 1 });
    expect(alert.evidence_event_ids).toEqual([deployment.event_id]);
    expect(alert.observed).toMatchObject({
      version: TRIAGE_VERSION.version,
      hash: 'sha256:0badc0ffee00',
      reason: 'hash_mismatch',
      via: 'model_deployment',
      change_plan_ref: 'PCCP-CT-TRIAGE-001',
    });
  });

  it('P2: training on personal data without a privacy-assessment reference fires P2 as critical', async () => {
    const usage = event(RECOMMENDER, {
      event_type: 'data_usage',
      payload: { dataset_id: 'clicks-2026q1', purpose: 'training', data_categories: ['personal', 'pseudonymised'], legal_basis: 'consent', consent_ref: 'CONSENT-2026-01' },
    });
    await kanshi.produce([usage]);

    const alert = await firstAlert(RECOMMENDER, 'P2');
    expect(alert).toMatchObject({ rule_id: 'P2', model_id: RECOMMENDER, scope: 'dataset:clicks-2026q1', severity: 'critical', occurrence_count: 1 });
    expect(alert.evidence_event_ids).toEqual([usage.event_id]);
    expect(alert.observed).toEqual({
      dataset_id: 'clicks-2026q1',
      purpose: 'training',
      personal_categories: ['personal', 'pseudonymised'],
      model_in_inventory: true,
    });
  });

  it('M10: a device with 30 inferences an hour is still judged: 30 without the clinician action fire M10; 30 complete show in the posture as not judged, never as passing', async () => {
    // Two whole hours four and three hours back: both closed, lateness past.
    const first = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
    const inference = (modelId: string, version: string, at: number, i: number, complete: boolean) =>
      event(modelId, {
        timestamp: new Date(at + i * 60_000).toISOString(),
        trace_id: uniqueId(`inf-${i}`),
        model_version: version,
        payload: { input_hash: `study-${i}`, score: 0.4, ...(complete ? { clinician_action: 'confirm' } : {}) },
      });
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < 30; i += 1) events.push(inference(TRIAGE, TRIAGE_VERSION.version, first, i, false));
    for (let i = 0; i < 30; i += 1) events.push(inference(WARD, WARD_VERSION.version, first + HOUR, i, true));
    await kanshi.produce(events);

    const alert = await firstAlert(TRIAGE, 'M10');
    expect(alert).toMatchObject({ severity: 'high', occurrence_count: 1 });
    expect(alert.observed).toMatchObject({ share: 0, n: 30, complete: 0, min_samples: 100, judged_by: 'wilson_upper_95', window_start: new Date(first).toISOString() });

    // G6 (99.9 % traced) cannot tell from 30 predictions either.
    const settled = await waitFor('the ward model’s posture to show M10 and G6 not judged', async () => {
      const response = await request(kanshi.apiHttp).get(`/v1/models/${WARD}/posture`).set('Authorization', `Bearer ${tenant.keys.viewer}`);
      const body = response.body as { rules: { passing: string[]; insufficient_data: { rule_id: string; observed: Record<string, unknown> }[] } };
      return body.rules.insufficient_data.length >= 2 ? body : undefined;
    });
    expect(settled.rules.insufficient_data.map((v) => v.rule_id).sort()).toEqual(['G6', 'M10']);
    expect(settled.rules.insufficient_data.find((v) => v.rule_id === 'M10')).toMatchObject({
      scope: 'model',
      observed: { n: 30, complete: 30, judged_by: 'too_few_samples', window_start: new Date(first + HOUR).toISOString() },
    });
    expect(settled.rules.passing).not.toEqual(expect.arrayContaining(['M10']));
    expect(settled.rules.passing).not.toEqual(expect.arrayContaining(['G6']));
    expect(await alertsOf({ model: WARD, rule: 'M10' })).toEqual([]);
  });
});
