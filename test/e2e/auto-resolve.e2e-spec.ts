import { QueueInspector } from '@kanshi/queue';
import request from 'supertest';
import { clearAlertJobId, QUEUES, type TelemetryEvent } from '@kanshi/contracts';
import { createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface HistoryView {
  at: string;
  action: string;
  actor: string;
  actor_name: string | null;
  from_status: string | null;
  to_status: string | null;
  comment: string | null;
  details: Record<string, unknown> | null;
}

interface AlertView {
  id: string;
  fingerprint: string;
  status: string;
  rule_id: string;
  scope: string;
  severity: string;
  occurrence_count: number;
  last_seen_at: string;
  resolved_at: string | null;
  observed: Record<string, unknown> | null;
  history: HistoryView[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** F1's `recovery.clearFor`. */
const CLEAR_FOR_MS = MINUTE;
const MODEL = 'loan-pricing';
const UNAPPROVED = '1.0.0';
const APPROVED = '2.0.0';

/**
 * Auto-resolve, end to end: F1 (`recovery: { clearFor: '1m' }`) fires on the deployment of an
 * unapproved version; deployments of an approved version judge it clear, and the alert resolves
 * by itself once it has been clear for one minute of EVENT time (not wall-clock time), recorded
 * as resolved by kanshi. Event times are in the recent past so the whole minute passes at once.
 *
 * Each event is produced on its own and processed (its alert job handled) before the next: the
 * engine sends one clear job per fingerprint for the earliest and the latest clear of a batch,
 * so events of one batch would be judged together.
 */
describe('auto-resolve of a rule with recovery (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  let queue: QueueInspector;
  let alertId: string;
  /** Event time of the first deployment; everything else is relative to it. */
  const t0 = Date.now() - 10 * MINUTE;
  const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();
  const firstClear = at(30 * SECOND);

  const deployment = (version: string, offsetMs: number): TelemetryEvent =>
    telemetryEvent({
      tenant_id: tenant.tenantId,
      model_id: MODEL,
      event_type: 'model_deployment',
      timestamp: at(offsetMs),
      model_version: version,
      payload: { version, approval_status: version === APPROVED ? 'approved' : 'pending', change_type: 'retrain', risk_tier: 'T1' },
    });

  const alert = async (): Promise<AlertView> => {
    const response = await request(kanshi.apiHttp).get(`/v1/alerts/${alertId}`).set('Authorization', `Bearer ${tenant.keys.viewer}`);
    expect(response.status).toBe(200);
    return response.body as AlertView;
  };

  /** The countdown is not part of the API view; it is read from the alert row. */
  const clearSince = async (): Promise<Date | null> => {
    const rows = await kanshi.dataSource.query<{ clear_since: Date | null }[]>(`SELECT clear_since FROM alerts WHERE id = $1`, [alertId]);
    const row = rows[0];
    if (!row) throw new Error(`alert ${alertId} is not in the database`);
    return row.clear_since;
  };

  /** Resolves once the worker has handled the clear job the engine makes of a clear judged at `clearedAt`. */
  const clearJobDone = async (fingerprint: string, clearedAt: string): Promise<void> => {
    const jobId = clearAlertJobId({ fingerprint, cleared_at: clearedAt });
    await waitFor(
      `the clear job of ${clearedAt} to complete`,
      async () => {
        const state = await queue.state(QUEUES.alerts, jobId);
        if (state === 'failed') throw new Error(`clear job ${jobId} failed`);
        return state === 'completed' ? true : undefined;
      },
      20_000,
    );
  };

  beforeAll(async () => {
    kanshi = await startKanshi();
    queue = new QueueInspector(kanshi.config.values.redisUrl, kanshi.config.values.queuePrefix);
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('auto-resolve'), [
      {
        modelId: MODEL,
        name: 'Loan pricing',
        sectors: ['finance'],
        riskTier: 'T1',
        owner: 'pricing-risk@bank.example',
        intendedUse: 'Price unsecured personal loans',
        approvedVersions: [{ version: APPROVED, hash: null }],
        lastValidatedAt: new Date(Date.now() - 30 * 24 * 60 * MINUTE).toISOString().slice(0, 10),
      },
    ]);
    await kanshi.engineKnowsTenant(tenant.tenantId);
  }, 60_000);

  afterAll(async () => {
    await queue?.close();
    await kanshi?.stop();
  });

  it('fires F1 on the deployment of a version the inventory does not approve', async () => {
    await kanshi.produce([deployment(UNAPPROVED, 0)]);
    alertId = await waitFor(
      'the F1 alert of the unapproved deployment',
      async () => {
        const response = await request(kanshi.apiHttp)
          .get('/v1/alerts')
          .query({ rule: 'F1', model: MODEL })
          .set('Authorization', `Bearer ${tenant.keys.viewer}`);
        return (response.body as { items: { id: string }[] }).items[0]?.id;
      },
      30_000,
    );
    const fired = await alert();
    expect(fired).toMatchObject({ status: 'firing', rule_id: 'F1', scope: 'deployed-version', severity: 'critical', resolved_at: null, last_seen_at: at(0) });
    expect(fired.observed).toMatchObject({ version: UNAPPROVED, reason: 'not_listed' });
    expect(await clearSince()).toBeNull();
  });

  it('stays open while the condition has been clear for less than clearFor, counting from the first clear', async () => {
    // An approved deployment 30 s later: the countdown starts at its event time.
    await kanshi.produce([deployment(APPROVED, 30 * SECOND)]);
    const since = await waitFor('the alert to start counting clear time', async () => (await clearSince()) ?? undefined, 20_000);
    expect(since.toISOString()).toBe(firstClear);
    expect(await alert()).toMatchObject({ status: 'firing', resolved_at: null });

    // Another approved deployment 59 s after the first clear: still one second short of clearFor.
    const { fingerprint } = await alert();
    const almost = 30 * SECOND + CLEAR_FOR_MS - SECOND;
    await kanshi.produce([deployment(APPROVED, almost)]);
    await clearJobDone(fingerprint, at(almost));
    const still = await alert();
    expect(still).toMatchObject({ status: 'firing', resolved_at: null });
    expect(still.history.map((h) => h.action)).not.toContain('resolved');
    expect((await clearSince())?.toISOString()).toBe(firstClear);
  });

  it('resolves by itself once clear for clearFor in event time, recorded as resolved by kanshi', async () => {
    const past = 30 * SECOND + CLEAR_FOR_MS + SECOND;
    await kanshi.produce([deployment(APPROVED, past)]);
    const resolved = await waitFor(
      'the alert to auto-resolve',
      async () => {
        const current = await alert();
        return current.status === 'resolved' ? current : undefined;
      },
      20_000,
    );
    expect(resolved.resolved_at).toEqual(expect.any(String));
    expect(await clearSince()).toBeNull();
    const entry = resolved.history.find((h) => h.action === 'resolved');
    expect(entry).toMatchObject({
      actor: 'kanshi',
      actor_name: null,
      from_status: 'firing',
      to_status: 'resolved',
      details: { how: 'auto', clear_since: firstClear, cleared_at: at(past), clear_for_ms: CLEAR_FOR_MS },
    });
    expect(resolved.history.map((h) => [h.action, h.actor])).toEqual([
      ['created', 'kanshi'],
      ['resolved', 'kanshi'],
    ]);
  });

  it('reopens when the unapproved version is deployed again', async () => {
    await kanshi.produce([deployment(UNAPPROVED, 5 * MINUTE)]);
    const reopened = await waitFor(
      'the alert to reopen',
      async () => {
        const current = await alert();
        return current.status === 'firing' ? current : undefined;
      },
      20_000,
    );
    expect(reopened).toMatchObject({ resolved_at: null, occurrence_count: 2, last_seen_at: at(5 * MINUTE) });
    expect(reopened.history.map((h) => [h.action, h.actor])).toEqual([
      ['created', 'kanshi'],
      ['resolved', 'kanshi'],
      ['reopened', 'kanshi'],
    ]);
    expect(await clearSince()).toBeNull();
  });
});
