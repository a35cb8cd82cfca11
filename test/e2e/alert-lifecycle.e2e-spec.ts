import request from 'supertest';
import { AlertWrites } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface HistoryView {
  action: string;
  details?: Record<string, unknown>;
  actor: string;
  actor_name: string | null;
  from_status: string | null;
  to_status: string | null;
  comment: string | null;
}

interface AlertView {
  id: string;
  status: string;
  due_at: string | null;
  report_submitted_at: string | null;
  assignee: string | null;
  acknowledged_at: string | null;
  resolved_at: string | null;
  occurrence_count: number;
  history: HistoryView[];
}

/**
 * A risk officer's work on an alert, through the API, on an alert the real pipeline raised:
 * telemetry for a model outside the inventory → the engine's G1 finding → the worker's alert.
 */
describe('alert lifecycle through the API (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let other: TenantFixture;
  let alertId: string;

  const api = () => request(kanshi.apiHttp);
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const post = (key: string, path: string, body: object = {}) => api().post(`/v1/alerts/${alertId}/${path}`).set(as(key)).send(body);

  beforeAll(async () => {
    kanshi = await startKanshi();
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('officer'));
    other = await createTenantFixture(kanshi.dataSource, uniqueId('rival'));
    await kanshi.engineKnowsTenant(tenant.tenantId);
    await kanshi.produce([telemetryEvent({ tenant_id: tenant.tenantId, model_id: 'shadow-model' })]);
    alertId = await waitFor('the G1 alert of the unregistered model', async () => {
      const response = await api().get('/v1/alerts').query({ rule: 'G1', model: 'shadow-model' }).set(as(tenant.keys.viewer));
      return (response.body as { items: { id: string }[] }).items[0]?.id;
    });
  });

  afterAll(async () => {
    await kanshi?.stop();
  });

  it('acknowledges, assigns, comments, resolves and reopens, keeping who, when and why in the history', async () => {
    const ack = await post(tenant.keys.risk_officer, 'ack', { comment: 'Registering the model in the inventory.' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged_at: expect.any(String) as string });

    expect((await post(tenant.keys.risk_officer, 'assign', { assignee: 'mlops-oncall@bank.example' })).body).toMatchObject({ assignee: 'mlops-oncall@bank.example' });
    expect((await post(tenant.keys.admin, 'comments', { comment: 'Owner confirmed.' })).status).toBe(200);
    expect((await post(tenant.keys.risk_officer, 'resolve', { comment: 'Registered as credit-shadow v2.' })).body).toMatchObject({ status: 'resolved' });
    const reopened = await post(tenant.keys.risk_officer, 'reopen', { comment: 'Registered under the wrong id.' });
    expect(reopened.body).toMatchObject({ status: 'firing', resolved_at: null, acknowledged_at: null });

    const detail = await api().get(`/v1/alerts/${alertId}`).set(as(tenant.keys.viewer));
    expect(detail.status).toBe(200);
    const history = (detail.body as AlertView).history;
    expect(history.map((h) => [h.action, h.from_status, h.to_status, h.comment])).toEqual([
      ['created', null, 'firing', null],
      ['acknowledged', 'firing', 'acknowledged', 'Registering the model in the inventory.'],
      ['assigned', 'acknowledged', 'acknowledged', null],
      ['commented', 'acknowledged', 'acknowledged', 'Owner confirmed.'],
      ['resolved', 'acknowledged', 'resolved', 'Registered as credit-shadow v2.'],
      ['reopened', 'resolved', 'firing', 'Registered under the wrong id.'],
    ]);
    expect(history[0]).toMatchObject({ actor: 'kanshi', actor_name: null });
    expect(history[1]?.actor).toMatch(/^api-key:[0-9a-f]{12}$/);
    expect(history[1]?.actor_name).toBe('risk_officer key');
    expect(history[3]?.actor_name).toBe('admin key');
  });

  it('answers 409 naming the status for a change that makes no sense, and changes nothing', async () => {
    const before = (await api().get(`/v1/alerts/${alertId}`).set(as(tenant.keys.viewer))).body as AlertView;
    const response = await post(tenant.keys.risk_officer, 'reopen');
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((response.body as { detail: string }).detail).toMatch(/Cannot reopen alert .*: the alert is firing, not resolved/);
    const after = (await api().get(`/v1/alerts/${alertId}`).set(as(tenant.keys.viewer))).body as AlertView;
    expect(after.history).toHaveLength(before.history.length);
  });

  it('records a submitted regulatory report on an alert with a deadline, once: its history says who, which reference and whether on time', async () => {
    // An alert with a regulatory deadline, as a clock rule raises it.
    const due = new Date(Date.now() + 10 * 86_400_000);
    const raise = { ...raiseAlertJob(tenant.tenantId, 'clocked-model', [findingRecord(g1Fingerprint(tenant.tenantId, 'clocked-model'), 'high')]), due_at: due.toISOString() };
    const { alertId: clockedId } = await kanshi.api.get(AlertWrites).recordFindings(raise);
    const report = (key: string, body: object) => api().post(`/v1/alerts/${clockedId}/reports`).set(as(key)).send(body);

    expect((await report(tenant.keys.risk_officer, {})).status).toBe(400);
    expect((await report(tenant.keys.risk_officer, { reference: 'PMDA-1', submitted_at: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(409);
    expect((await report(tenant.keys.viewer, { reference: 'PMDA-1' })).status).toBe(403);
    const submittedAt = new Date(Date.now() - 60_000).toISOString();
    const recorded = await report(tenant.keys.risk_officer, { reference: 'PMDA-2026-0042', submitted_at: submittedAt, comment: 'Filed through the PMDA portal.' });
    expect(recorded.status).toBe(200);
    const view = recorded.body as AlertView;
    expect(view).toMatchObject({ status: 'firing', due_at: due.toISOString(), report_submitted_at: submittedAt });
    expect(view.history.at(-1)).toMatchObject({
      action: 'report_submitted',
      actor_name: 'risk_officer key',
      comment: 'Filed through the PMDA portal.',
      details: { reference: 'PMDA-2026-0042', submitted_at: submittedAt, due_at: due.toISOString(), on_time: true },
    });
    const again = await report(tenant.keys.risk_officer, { reference: 'PMDA-2026-0043' });
    expect(again.status).toBe(409);
    expect((again.body as { detail: string }).detail).toMatch(/recorded as submitted .* already/);

    // The G1 alert carries no deadline: nothing to report.
    const none = await post(tenant.keys.risk_officer, 'reports', { reference: 'X' });
    expect(none.status).toBe(409);
    expect((none.body as { detail: string }).detail).toMatch(/no regulatory deadline/);
  });

  it('refuses bad bodies with the field named, viewers and producers by role, and another tenant as if the alert did not exist', async () => {
    const badAssign = await post(tenant.keys.risk_officer, 'assign', { assignee: '', extra: 1 });
    expect(badAssign.status).toBe(400);
    expect((badAssign.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(expect.arrayContaining(['assignee']));
    expect((await post(tenant.keys.risk_officer, 'comments', {})).status).toBe(400);

    expect((await post(tenant.keys.viewer, 'ack')).status).toBe(403);
    expect((await post(tenant.keys.producer, 'ack')).status).toBe(403);
    expect((await post(other.keys.risk_officer, 'ack')).status).toBe(404);
    expect((await api().get(`/v1/alerts/${alertId}`).set(as(other.keys.viewer))).status).toBe(404);
    expect((await api().post('/v1/alerts/not-an-id/ack').set(as(tenant.keys.risk_officer)).send({})).status).toBe(404);
  });

  it('reopens a resolved alert by itself when the rule fires again', async () => {
    expect((await post(tenant.keys.risk_officer, 'resolve')).status).toBe(200);
    await kanshi.produce([telemetryEvent({ tenant_id: tenant.tenantId, model_id: 'shadow-model' })]);
    const reopened = await waitFor('the alert to reopen', async () => {
      const alert = (await api().get(`/v1/alerts/${alertId}`).set(as(tenant.keys.viewer))).body as AlertView;
      return alert.status === 'firing' ? alert : undefined;
    });
    expect(reopened.occurrence_count).toBe(2);
    expect(reopened.history.slice(-2).map((h) => [h.action, h.actor])).toEqual([
      ['resolved', expect.stringMatching(/^api-key:/) as string],
      ['reopened', 'kanshi'],
    ]);
    // Firing again is counted over time, not written as history.
    const occurrences = await api().get(`/v1/alerts/${alertId}/occurrences?bucket=hour`).set(as(tenant.keys.viewer));
    expect(occurrences.status).toBe(200);
    expect((occurrences.body as { items: { count: number }[] }).items.reduce((sum, b) => sum + b.count, 0)).toBe(2);
    expect((await api().get(`/v1/alerts/${alertId}/occurrences?bucket=week`).set(as(tenant.keys.viewer))).status).toBe(400);
  });
});
