import request from 'supertest';
import type { TelemetryEvent } from '@kanshi/contracts';
import { InventoryCache, SectorModuleRegistry } from '@kanshi/policy-core';
import { createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface ModelView {
  model_id: string;
  tenant_id: string;
  name: string;
  sectors: string[];
  owner: string | null;
  status: 'active' | 'retired';
  deployed_version: string | null;
  deployed_hash: string | null;
  approved_versions: { version: string; hash: string | null }[];
}

interface EffectiveRule {
  rule_id: string;
  module_id: string;
  enabled: boolean;
  enabled_source: string;
  args: Record<string, unknown>;
  arg_sources: Record<string, string>;
}

interface Problem {
  status: number;
  detail: string;
  errors: { field: string; message: string; rule_id?: string; argument?: string }[];
}

describe('model inventory and policy configuration (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let other: TenantFixture;

  const api = () => request(kanshi.apiHttp);
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const putModel = (key: string, modelId: string, body: unknown) => api().put(`/v1/models/${modelId}`).set(as(key)).send(body as object);
  const putOverride = (key: string, body: unknown) => api().put('/v1/policies/overrides').set(as(key)).send(body as object);
  const effective = async (modelId: string): Promise<Map<string, EffectiveRule>> => {
    const response = await api().get(`/v1/models/${modelId}/policy`).set(as(tenant.keys.viewer));
    expect(response.status).toBe(200);
    return new Map((response.body as { rules: EffectiveRule[] }).rules.map((r) => [r.rule_id, r]));
  };

  const produce = (events: TelemetryEvent[]) => kanshi.produce(events);
  const alertsOf = async (modelId: string, rule: string): Promise<unknown[]> => {
    const response = await api().get('/v1/alerts').query({ model: modelId, rule }).set(as(tenant.keys.viewer));
    expect(response.status).toBe(200);
    return (response.body as { items: unknown[] }).items;
  };
  const engineCaughtUp = () => kanshi.engineCaughtUp();

  beforeAll(async () => {
    kanshi = await startKanshi();
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('inventory'));
    other = await createTenantFixture(kanshi.dataSource, uniqueId('rival'));
    await kanshi.engineKnowsTenant(tenant.tenantId);
  });

  afterAll(async () => {
    await kanshi?.stop();
  });

  it('creates, reads, lists, patches, replaces and retires models, by role, within the tenant', async () => {
    const body = {
      name: 'Credit scoring',
      sectors: ['finance'],
      risk_tier: 'T1',
      owner: 'credit-risk@bank.example',
      approved_versions: [{ version: '1.0.0', hash: 'sha256:aa' }],
      change_plan: { ref: 'CP-1', scope: ['retrain'] },
      last_validated_at: '2026-01-15',
      deployed_version: 'ignored: set by telemetry',
    };
    const created = await putModel(tenant.keys.admin, 'credit', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tenant_id: tenant.tenantId,
      model_id: 'credit',
      sectors: ['finance'],
      risk_tier: 'T1',
      intended_use: null,
      approved_versions: [{ version: '1.0.0', hash: 'sha256:aa' }],
      change_plan: { ref: 'CP-1', scope: ['retrain'] },
      last_validated_at: '2026-01-15',
      third_party: false,
      privacy_assessment_refs: [],
      deployed_version: null,
      status: 'active',
    });
    // Admins manage the inventory; risk officers read it and act on alerts.
    expect((await putModel(tenant.keys.risk_officer, 'credit', { ...body, owner: 'cro@bank.example' })).status).toBe(403);
    expect((await putModel(tenant.keys.admin, 'credit', { ...body, owner: 'cro@bank.example' })).status).toBe(200);
    expect((await putModel(tenant.keys.viewer, 'credit', body)).status).toBe(403);
    expect((await api().get('/v1/models/credit').set(as(tenant.keys.producer))).status).toBe(403);

    const patched = await api().patch('/v1/models/credit').set(as(tenant.keys.admin)).send({ intended_use: 'Retail credit decisions' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ owner: 'cro@bank.example', intended_use: 'Retail credit decisions', risk_tier: 'T1' });

    expect((await putModel(tenant.keys.admin, 'chatbot', { name: 'Chatbot', sectors: [] })).status).toBe(201);
    const page1 = await api().get('/v1/models').query({ limit: 1 }).set(as(tenant.keys.viewer));
    expect(page1.status).toBe(200);
    const first = page1.body as { items: ModelView[]; next_cursor: string };
    expect(first.items.map((m) => m.model_id)).toEqual(['chatbot']);
    const page2 = await api().get('/v1/models').query({ limit: 1, cursor: first.next_cursor }).set(as(tenant.keys.viewer));
    expect((page2.body as { items: ModelView[] }).items.map((m) => m.model_id)).toEqual(['credit']);

    // Another tenant's key: the model does not exist for it.
    expect((await api().get('/v1/models/credit').set(as(other.keys.admin))).status).toBe(404);
    expect((await api().patch('/v1/models/credit').set(as(other.keys.admin)).send({ owner: 'x' })).status).toBe(404);
    expect((await api().delete('/v1/models/credit').set(as(other.keys.admin))).status).toBe(404);
    expect((await api().get('/v1/models/credit/policy').set(as(other.keys.admin))).status).toBe(404);
    expect((await api().get('/v1/models').set(as(other.keys.viewer))).body).toEqual({ items: [], next_cursor: null });

    expect((await api().delete('/v1/models/chatbot').set(as(tenant.keys.viewer))).status).toBe(403);
    expect((await api().delete('/v1/models/chatbot').set(as(tenant.keys.risk_officer))).status).toBe(403);
    expect((await api().delete('/v1/models/chatbot').set(as(tenant.keys.admin))).status).toBe(204);
    expect((await api().delete('/v1/models/chatbot').set(as(tenant.keys.admin))).status).toBe(204);
    expect((await api().get('/v1/models/chatbot').set(as(tenant.keys.viewer))).body).toMatchObject({ status: 'retired' });
    const active = await api().get('/v1/models').set(as(tenant.keys.viewer));
    expect((active.body as { items: ModelView[] }).items.map((m) => m.model_id)).toEqual(['credit']);
    const all = await api().get('/v1/models').query({ include_retired: 'true' }).set(as(tenant.keys.viewer));
    expect((all.body as { items: ModelView[] }).items.map((m) => m.model_id)).toEqual(['chatbot', 'credit']);
    const reinstated = await putModel(tenant.keys.admin, 'chatbot', { name: 'Chatbot', sectors: [] });
    expect(reinstated.status).toBe(200);
    expect(reinstated.body).toMatchObject({ status: 'active', retired_at: null });
  });

  it('answers 400 problem details naming each bad model field', async () => {
    const bad = await putModel(tenant.keys.admin, 'bad', { sectors: ['banking'], third_party: 'yes', colour: 'blue' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const fields = (bad.body as Problem).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'sectors.0', 'third_party']));
    expect((bad.body as Problem).detail).toContain('name');

    const date = await putModel(tenant.keys.admin, 'bad', { name: 'n', sectors: [], last_validated_at: '2026-02-30' });
    expect(date.status).toBe(400);
    expect((date.body as Problem).errors.map((e) => e.field)).toEqual(['last_validated_at']);
    expect((await putModel(tenant.keys.admin, 'bad:id', { name: 'n', sectors: [] })).status).toBe(400);
    expect((await api().get('/v1/models').query({ cursor: 'not-ours' }).set(as(tenant.keys.viewer))).status).toBe(400);
    expect((await api().get('/v1/models/bad').set(as(tenant.keys.viewer))).status).toBe(404);
  });

  it('validates overrides against the rule: unknown rule, bad argument and bad target are 400s that name them', async () => {
    const unknown = await putOverride(tenant.keys.admin, { scope: 'tenant', rule_id: 'NOPE', args: {} });
    expect(unknown.status).toBe(400);
    expect((unknown.body as Problem).errors).toEqual([expect.objectContaining({ field: 'rule_id' })]);
    expect((unknown.body as Problem).detail).toContain('NOPE');

    const threshold = await putOverride(tenant.keys.admin, { scope: 'tenant', rule_id: 'G2', args: { alertAbove: -1 } });
    expect(threshold.status).toBe(400);
    expect((threshold.body as Problem).errors).toEqual([expect.objectContaining({ field: 'args.alertAbove', rule_id: 'G2', argument: 'alertAbove' })]);
    expect((threshold.body as Problem).detail).toContain('rule G2, argument alertAbove');

    const typo = await putOverride(tenant.keys.admin, { scope: 'tenant', rule_id: 'G2', args: { alertAbov: 0.3 } });
    expect((typo.body as Problem).errors).toEqual([expect.objectContaining({ field: 'args.alertAbov', rule_id: 'G2' })]);
    expect((await putOverride(tenant.keys.admin, { scope: 'sector', target: 'banking', rule_id: 'G2' })).status).toBe(400);
    expect((await putOverride(tenant.keys.admin, { scope: 'tenant', target: 'x', rule_id: 'G2' })).status).toBe(400);
    expect((await putOverride(tenant.keys.viewer, { scope: 'tenant', rule_id: 'G2', args: { alertAbove: 0.3 } })).status).toBe(403);
    expect((await api().get('/v1/policies/rules').set(as(tenant.keys.producer))).status).toBe(403);
  });

  it('shows the configuration in force per rule, model over sector over tenant over default', async () => {
    expect((await putModel(tenant.keys.admin, 'drifty', { name: 'Drifty', sectors: ['finance'] })).status).toBe(201);
    expect((await putModel(tenant.keys.admin, 'steady', { name: 'Steady', sectors: ['medical'] })).status).toBe(201);
    expect((await putOverride(tenant.keys.risk_officer, { scope: 'tenant', rule_id: 'G2', args: { alertAbove: 0.4, warnAbove: 0.2 } })).status).toBe(403);
    expect((await putOverride(tenant.keys.admin, { scope: 'tenant', rule_id: 'G2', args: { alertAbove: 0.4, warnAbove: 0.2 } })).status).toBe(200);
    expect((await putOverride(tenant.keys.admin, { scope: 'sector', target: 'finance', rule_id: 'G2', args: { alertAbove: 0.3 } })).status).toBe(200);
    expect((await putOverride(tenant.keys.admin, { scope: 'model', target: 'drifty', rule_id: 'G2', args: { warnAbove: 0.15 } })).status).toBe(200);
    expect((await putOverride(tenant.keys.admin, { scope: 'model', target: 'drifty', rule_id: 'G6', enabled: false })).status).toBe(200);

    const drifty = await effective('drifty');
    expect(drifty.get('G2')).toMatchObject({
      module_id: 'general',
      enabled: true,
      enabled_source: 'default',
      args: { alertAbove: 0.3, warnAbove: 0.15, window: '24h' },
      arg_sources: { alertAbove: 'sector:finance', warnAbove: 'model', window: 'default' },
    });
    expect(drifty.get('G6')).toMatchObject({ enabled: false, enabled_source: 'model' });
    expect([...drifty.keys()].some((id) => id.startsWith('F'))).toBe(true);
    expect([...drifty.keys()].some((id) => id.startsWith('M'))).toBe(false);

    const steady = await effective('steady');
    expect(steady.get('G2')).toMatchObject({ args: { alertAbove: 0.4, warnAbove: 0.2 }, arg_sources: { alertAbove: 'tenant', warnAbove: 'tenant' } });
    expect(steady.get('G6')).toMatchObject({ enabled: true });

    const listed = await api().get('/v1/policies/overrides').set(as(tenant.keys.viewer));
    expect((listed.body as { items: unknown[] }).items).toHaveLength(4);
    const removed = await api().delete('/v1/policies/overrides').query({ scope: 'model', target: 'drifty', rule_id: 'G6' }).set(as(tenant.keys.admin));
    expect(removed.status).toBe(204);
    expect((await effective('drifty')).get('G6')).toMatchObject({ enabled: true, enabled_source: 'default' });
    expect((await api().get('/v1/policies/overrides').set(as(other.keys.viewer))).body).toEqual({ items: [] });
  });

  it('switches G1 off for one unregistered model id within a refresh, without a restart, and back on', async () => {
    const quiet = uniqueId('quiet');
    const g1 = kanshi.engine.get(SectorModuleRegistry).rules.find((r) => r.rule.id === 'G1')!;
    const inventory = kanshi.engine.get(InventoryCache);
    expect((await putOverride(tenant.keys.admin, { scope: 'model', target: quiet, rule_id: 'G1', enabled: false })).status).toBe(200);
    await waitFor('the engine to load the override', () => Promise.resolve(inventory.argsFor(g1, tenant.tenantId, quiet, undefined) === undefined || undefined));

    const loud = uniqueId('loud');
    await produce([telemetryEvent({ tenant_id: tenant.tenantId, model_id: quiet }), telemetryEvent({ tenant_id: tenant.tenantId, model_id: loud })]);
    await waitFor(`a G1 alert for ${loud}`, async () => ((await alertsOf(loud, 'G1')).length > 0 ? true : undefined));
    await engineCaughtUp();
    expect(await alertsOf(quiet, 'G1')).toEqual([]);

    expect((await api().delete('/v1/policies/overrides').query({ scope: 'model', target: quiet, rule_id: 'G1' }).set(as(tenant.keys.admin))).status).toBe(204);
    await waitFor('the engine to drop the override', () => Promise.resolve(inventory.argsFor(g1, tenant.tenantId, quiet, undefined) !== undefined || undefined));
    await produce([telemetryEvent({ tenant_id: tenant.tenantId, model_id: quiet })]);
    await waitFor(`a G1 alert for ${quiet}`, async () => ((await alertsOf(quiet, 'G1')).length > 0 ? true : undefined));
  });

  it('treats a retired model as not in the inventory: its telemetry raises G1', async () => {
    const modelId = uniqueId('retiring');
    expect((await putModel(tenant.keys.admin, modelId, { name: 'Old', sectors: [] })).status).toBe(201);
    expect((await api().delete(`/v1/models/${modelId}`).set(as(tenant.keys.admin))).status).toBe(204);
    const inventory = kanshi.engine.get(InventoryCache);
    // The engine loads the model's row only while it is active; wait for a refresh after the retirement.
    await inventory.refresh();
    expect(inventory.get(tenant.tenantId, modelId)).toBeUndefined();
    await produce([telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId })]);
    await waitFor(`a G1 alert for ${modelId}`, async () => ((await alertsOf(modelId, 'G1')).length > 0 ? true : undefined));
    const policy = await api().get(`/v1/models/${modelId}/policy`).set(as(tenant.keys.viewer));
    expect(policy.body).toMatchObject({ in_inventory: false, sectors: [] });
  });

  it('records the version and hash a model_deployment reports, and ignores an older report', async () => {
    const modelId = uniqueId('deployed');
    expect((await putModel(tenant.keys.admin, modelId, { name: 'Deployed', sectors: ['finance'], approved_versions: [{ version: '3.1.0', hash: null }] })).status).toBe(201);
    const inventory = kanshi.engine.get(InventoryCache);
    await waitFor('the engine to load the model', () => Promise.resolve(inventory.get(tenant.tenantId, modelId) ?? undefined));
    const deployment = (version: string, timestamp: string): TelemetryEvent =>
      telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId, event_type: 'model_deployment', timestamp, model_version: version, payload: { version, hash: `sha256:${version}` } });

    await produce([deployment('3.1.0', new Date().toISOString())]);
    const model = await waitFor('the deployed version', async () => {
      const body = (await api().get(`/v1/models/${modelId}`).set(as(tenant.keys.viewer))).body as ModelView;
      return body.deployed_version === '3.1.0' ? body : undefined;
    });
    expect(model.deployed_hash).toBe('sha256:3.1.0');

    await produce([deployment('3.0.0', new Date(Date.now() - 3_600_000).toISOString())]);
    await engineCaughtUp();
    expect(((await api().get(`/v1/models/${modelId}`).set(as(tenant.keys.viewer))).body as ModelView).deployed_version).toBe('3.1.0');
  });

  it('shows each model’s posture: last telemetry seen, open alerts by severity and rule, rules passing, failing and switched off', async () => {
    const modelId = uniqueId('posture');
    // A complete entry (owner, risk tier, intended use), so only the rule under test has reason to fire.
    const entry = { name: 'Posture', sectors: ['finance'], owner: 'model-risk@bank.example', risk_tier: 'T3', intended_use: 'Card fraud scoring', last_validated_at: new Date().toISOString().slice(0, 10) };
    expect((await putModel(tenant.keys.admin, modelId, { ...entry, approved_versions: [{ version: '2.0.0', hash: null }] })).status).toBe(201);
    const inventory = kanshi.engine.get(InventoryCache);
    await waitFor('the engine to load the model', () => Promise.resolve(inventory.get(tenant.tenantId, modelId) ?? undefined));
    expect((await putOverride(tenant.keys.admin, { scope: 'model', target: modelId, rule_id: 'F11', enabled: false })).status).toBe(200);
    const posture = async () => {
      const response = await api().get(`/v1/models/${modelId}/posture`).set(as(tenant.keys.viewer));
      expect(response.status).toBe(200);
      return response.body as {
        last_event_at: string | null;
        open_alerts: { total: number; by_severity: Record<string, number>; by_rule: { rule_id: string; open: number; highest_severity: string }[] };
        rules: { applicable: number; passing: string[]; failing: string[]; disabled: string[] };
      };
    };
    const before = await posture();
    expect(before.last_event_at).toBeNull();
    expect(before.open_alerts.total).toBe(0);
    expect(before.rules.failing).toEqual([]);

    // An unapproved version deployed: F1 (critical) fires, and the event time is the last seen.
    const at = new Date(Date.now() - 60_000).toISOString();
    await produce([
      telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId, event_type: 'model_deployment', timestamp: at, model_version: '1.0.0', payload: { version: '1.0.0' } }),
    ]);
    const after = await waitFor('the posture to show the F1 alert', async () => {
      const p = await posture();
      return p.open_alerts.total > 0 && p.last_event_at !== null ? p : undefined;
    });
    expect(after.last_event_at).toBe(at);
    expect(after.open_alerts.by_severity['critical']).toBe(1);
    expect(after.open_alerts.by_rule).toEqual([expect.objectContaining({ rule_id: 'F1', open: 1, highest_severity: 'critical' })]);
    expect(after.rules.failing).toEqual(['F1']);
    expect(after.rules.disabled).toEqual(['F11']);
    expect(after.rules.passing).not.toContain('F1');
    expect(after.rules.passing.length + after.rules.failing.length + after.rules.disabled.length).toBe(after.rules.applicable);

    const all = await api().get('/v1/posture').query({ limit: 200 }).set(as(tenant.keys.viewer));
    expect(all.status).toBe(200);
    const body = all.body as { items: { model_id: string }[]; by_sector: { sector: string; models: number; failing_models: number }[] };
    expect(body.items.map((i) => i.model_id)).toContain(modelId);
    expect(body.by_sector.find((s) => s.sector === 'finance')?.failing_models).toBeGreaterThanOrEqual(1);

    expect((await api().get(`/v1/models/${modelId}/posture`).set(as(other.keys.viewer))).status).toBe(404);
    expect((await api().get(`/v1/models/${modelId}/posture`).set(as(tenant.keys.producer))).status).toBe(403);
  });
});
