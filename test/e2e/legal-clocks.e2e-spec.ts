import request from 'supertest';
import { JOBS, QUEUES, type AlertClockJob, type TelemetryEvent } from '@kanshi/contracts';
import { QueueInspector, type JobRecord } from '@kanshi/queue';
import { createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface AlertView {
  id: string;
  rule_id: string;
  severity: string;
  status: string;
  due_at: string | null;
  report_submitted_at: string | null;
  observed: Record<string, unknown>;
  history: { action: string; details?: Record<string, unknown> }[];
}

const DAY = 86_400_000;
const BANK_MODEL = 'retail-credit';
const SHOP_MODEL = 'shop-recommender';
const DEVICE_MODEL = 'ct-triage';

/**
 * The legal clocks Kanshi starts itself, through the whole pipeline: an incident produced to
 * Kafka → the engine's clock finding → an alert with `due_at` → its reminder and last-days
 * points (delayed jobs in Redis, run now instead of waiting days) → a report recorded through
 * the API stops the clock: no raise to critical, no missed deadline.
 */
describe('legal clocks, end to end (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let queues: QueueInspector;

  const api = () => request(kanshi.apiHttp);
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const incident = (modelId: string, payload: Record<string, unknown>): TelemetryEvent =>
    telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId, event_type: 'incident', payload: { severity: 'high', ...payload } });

  const alertOf = (modelId: string, rule: string) =>
    waitFor(`the ${rule} alert of ${modelId}`, async () => {
      const list = await api().get('/v1/alerts').query({ model: modelId, rule }).set(as(tenant.keys.viewer));
      return (list.body as { items: { id: string }[] }).items[0]?.id;
    });
  const view = async (id: string) => (await api().get(`/v1/alerts/${id}`).set(as(tenant.keys.viewer))).body as AlertView;
  const clockJob = (alertId: string, point: AlertClockJob['point'], before?: string) =>
    waitFor(`the ${point} job of alert ${alertId}`, async () =>
      (await queues.jobs(QUEUES.escalations, ['delayed'])).find((j) => {
        const data = j.data as AlertClockJob;
        return j.name === JOBS.alertClock && data.alert_id === alertId && data.point === point && (before === undefined || data.before === before);
      }),
    );
  /** Runs a delayed clock job now and waits for the worker to finish it. */
  const runNow = async (job: JobRecord) => {
    expect(await queues.promote(QUEUES.escalations, job.id)).toBe(true);
    await waitFor(`clock job ${job.id} done`, async () => ((await queues.state(QUEUES.escalations, job.id)) === 'completed' ? true : undefined));
  };

  beforeAll(async () => {
    kanshi = await startKanshi();
    queues = new QueueInspector(kanshi.config.values.redisUrl, kanshi.config.values.queuePrefix);
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('clocks'), [
      { modelId: BANK_MODEL, name: 'Retail credit', sectors: ['finance'], riskTier: 'T1', owner: 'credit-risk@bank.example', intendedUse: 'Loan decisions' },
      { modelId: SHOP_MODEL, name: 'Shop recommender', sectors: ['platform'], riskTier: 'T3', owner: 'platform@shop.example', intendedUse: 'Rank products' },
      {
        modelId: DEVICE_MODEL,
        name: 'CT triage',
        sectors: ['medical'],
        riskTier: 'class-II',
        owner: 'radiology-ai@hospital.example',
        intendedUse: 'Prioritise chest CT studies',
        approvedVersions: [{ version: '2.0.0', hash: null }, { version: '2.1.0', hash: null }],
        changePlan: { ref: 'PCCP-CT-001', scope: ['threshold'] },
      },
    ]);
    await kanshi.engineKnowsTenant(tenant.tenantId);
  });

  afterAll(async () => {
    await queues?.close();
    await kanshi?.stop();
  });

  it('F12: misconduct at a bank carries the 30-day Banking Act clock; a reminder goes out, and the notification recorded stops it', async () => {
    const awareness = new Date(Date.now() - 2 * DAY);
    await kanshi.produce([incident(BANK_MODEL, { incident_id: 'MIS-2026-7', type: 'misconduct', awareness_time: awareness.toISOString() })]);
    const id = await alertOf(BANK_MODEL, 'F12');
    const due = new Date(awareness.getTime() + 30 * DAY).toISOString();
    expect(await view(id)).toMatchObject({ severity: 'high', status: 'firing', due_at: due, observed: { incident_id: 'MIS-2026-7', notification_due: due } });

    // The first reminder (3 days before), as its time would run it.
    await runNow(await clockJob(id, 'reminder', '3d'));
    expect((await view(id)).history.filter((h) => h.action === 'reminded')).toEqual([expect.objectContaining({ details: { due_at: due, before: '3d' } })]);

    const lastDays = await clockJob(id, 'last-days');
    const deadline = await clockJob(id, 'deadline');
    const recorded = await api().post(`/v1/alerts/${id}/reports`).set(as(tenant.keys.risk_officer)).send({ reference: 'FSA-53-2026-0007', comment: 'Notified the Kanto Finance Bureau.' });
    expect(recorded.status).toBe(200);
    await runNow(lastDays);
    await runNow(deadline);
    const after = await view(id);
    expect(after).toMatchObject({ severity: 'high', report_submitted_at: expect.any(String) });
    expect(after.history.map((h) => h.action)).toEqual(expect.arrayContaining(['created', 'reminded', 'report_submitted']));
    expect(after.history.map((h) => h.action)).not.toEqual(expect.arrayContaining(['severity_raised']));
    expect(after.history.map((h) => h.action)).not.toContain('deadline_missed');

    // The producer's incident update echoing the notification as submitted resolves the alert.
    await kanshi.produce([
      incident(BANK_MODEL, {
        incident_id: 'MIS-2026-7',
        type: 'misconduct',
        awareness_time: awareness.toISOString(),
        report_clocks: [{ regulator: 'FSA', kind: 'misconduct_notification', due_time: due, submitted_time: new Date().toISOString() }],
      }),
    ]);
    const resolved = await waitFor('the alert to resolve on the submitted clock', async () => {
      const alert = await view(id);
      return alert.status === 'resolved' ? alert : undefined;
    });
    expect(resolved.history.at(-1)).toMatchObject({ action: 'resolved' });
  });

  it('P13: a reportable breach carries the PPC final-report clock beside P8; in its last days it is critical at once, and the report recorded stops the deadline', async () => {
    // Known 28 days ago: the final report is due in two days, inside the last three.
    const awareness = new Date(Date.now() - 28 * DAY);
    await kanshi.produce([
      incident(SHOP_MODEL, { incident_id: 'BR-2026-3', type: 'breach', appi_triggers: ['over_1000_people'], records_affected: 5200, awareness_time: awareness.toISOString() }),
    ]);
    const id = await alertOf(SHOP_MODEL, 'P13');
    const due = new Date(awareness.getTime() + 30 * DAY).toISOString();
    const raised = await waitFor('the raise to critical in the last days', async () => {
      const alert = await view(id);
      return alert.severity === 'critical' ? alert : undefined;
    });
    expect(raised).toMatchObject({ due_at: due, observed: { incident_id: 'BR-2026-3', triggers: ['over_1000_people'], deadline: 'standard' } });
    expect(raised.history.filter((h) => h.action === 'severity_raised')).toEqual([expect.objectContaining({ details: expect.objectContaining({ why: 'clock_running_out', to: 'critical' }) })]);
    // P8 watches the preliminary report of the same breach, long overdue: its own alert.
    await alertOf(SHOP_MODEL, 'P8');

    const deadline = await clockJob(id, 'deadline');
    const recorded = await api().post(`/v1/alerts/${id}/reports`).set(as(tenant.keys.risk_officer)).send({ reference: 'PPC-FINAL-2026-3' });
    expect(recorded.status).toBe(200);
    await runNow(deadline);
    const after = await view(id);
    expect(after.report_submitted_at).not.toBeNull();
    expect(after.history.map((h) => h.action)).not.toContain('deadline_missed');
  });

  it('M2: a change outside the confirmed change plan carries its 30-day partial-change clock; a reminder goes out, and the notification recorded stops it', async () => {
    const changedAt = new Date(Date.now() - DAY);
    await kanshi.produce([
      telemetryEvent({
        tenant_id: tenant.tenantId,
        model_id: DEVICE_MODEL,
        event_type: 'model_deployment',
        timestamp: changedAt.toISOString(),
        model_version: '2.1.0',
        payload: { version: '2.1.0', change_type: 'retraining' },
      }),
    ]);
    const id = await alertOf(DEVICE_MODEL, 'M2');
    const due = new Date(changedAt.getTime() + 30 * DAY).toISOString();
    expect(await view(id)).toMatchObject({ severity: 'critical', due_at: due, observed: { change_type: 'retraining', plan_from: 'inventory', notification_due: due } });

    await runNow(await clockJob(id, 'reminder', '1d'));
    expect((await view(id)).history.filter((h) => h.action === 'reminded')).toEqual([expect.objectContaining({ details: { due_at: due, before: '1d' } })]);
    const deadline = await clockJob(id, 'deadline');
    const recorded = await api().post(`/v1/alerts/${id}/reports`).set(as(tenant.keys.risk_officer)).send({ reference: 'PMDA-MINOR-2026-11' });
    expect(recorded.status).toBe(200);
    await runNow(deadline);
    const after = await view(id);
    expect(after.report_submitted_at).not.toBeNull();
    expect(after.history.map((h) => h.action)).not.toContain('deadline_missed');
  });
});
