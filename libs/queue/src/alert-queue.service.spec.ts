import { loadConfig } from '@kanshi/config';
import { JOBS, RAISE_SET_MAX_ALERTS, raiseAlertSetJobId } from '@kanshi/contracts';
import { findingRecord, g1Fingerprint, raiseAlertJob } from '@kanshi/testing';
import { AlertQueue, planRaiseSets } from './alert-queue.service';
import { MemoryJobQueue } from './memory-job-queue';

describe('AlertQueue', () => {
  const config = loadConfig({ ...process.env, KANSHI_ALERT_JOBS_FAIR_SHARE_PER_MINUTE: '5' });
  const raise = (tenantId: string, model: string, severity: 'high' | 'critical' = 'high') =>
    raiseAlertJob(tenantId, model, [findingRecord(g1Fingerprint(tenantId, model), severity)]);

  it('queues raises in sets per tenant, critical ones apart, with ids that do not depend on the order', async () => {
    const queue = new MemoryJobQueue();
    const producer = new AlertQueue(queue, config);
    const [a1, a2, b1, aCritical] = [raise('a', 'm1'), raise('a', 'm2'), raise('b', 'm1'), raise('a', 'm3', 'critical')];
    await producer.enqueue([a1, b1, aCritical, a2]);
    await producer.enqueue([a2, aCritical, b1, a1]);
    const sets = queue.jobsNamed(JOBS.raiseAlerts);
    expect(sets.map((s) => [s.data.tenant_id, s.data.raises.map((r) => r.model_id)])).toEqual([
      ['a', ['m3']],
      ['a', ['m1', 'm2']],
      ['b', ['m1']],
    ]);
    expect(sets.map((s) => s.id)).toEqual(sets.map((s) => raiseAlertSetJobId(s.data.raises)));
  });

  it('splits a large batch into sets the worker stores in one transaction each', () => {
    const raises = Array.from({ length: RAISE_SET_MAX_ALERTS + 1 }, (_, i) => raise('a', `m${i}`));
    expect(planRaiseSets(raises).map((p) => p.set.raises.length)).toEqual([RAISE_SET_MAX_ALERTS, 1]);
  });

  it('gives a tenant past its fair share of the minute a priority, counting each alert a set carries', async () => {
    const queue = new MemoryJobQueue();
    const producer = new AlertQueue(queue, config);
    await producer.enqueue([raise('a', 'm1'), raise('a', 'm2'), raise('a', 'm3')]);
    await producer.enqueue([raise('a', 'm4'), raise('a', 'm5'), raise('a', 'm6')]);
    await producer.enqueue([raise('b', 'm1')]);
    await producer.enqueue([], [{ tenant_id: 'a', fingerprint: g1Fingerprint('a', 'm1'), model_id: 'm1', rule_id: 'G1', scope: 'model', cleared_at: new Date().toISOString(), clear_for_ms: 0 }]);
    expect(queue.jobs().map((j) => [j.name, j.data.tenant_id, j.priority])).toEqual([
      [JOBS.raiseAlerts, 'a', undefined],
      [JOBS.raiseAlerts, 'a', 1],
      [JOBS.raiseAlerts, 'b', undefined],
      [JOBS.clearAlert, 'a', 1],
    ]);
  });

  it('holds raises back as one set due when the quota allows, named after that minute', async () => {
    const now = Date.parse('2026-12-07T09:00:20Z');
    const until = Date.parse('2026-12-07T09:01:00Z');
    const queue = new MemoryJobQueue(() => now);
    const producer = new AlertQueue(queue, config);
    const held = [raise('a', 'm1'), raise('a', 'm2')];
    await producer.hold('a', held, until, now);
    await producer.hold('a', held, until, now);
    const [job, ...more] = queue.jobsNamed(JOBS.raiseAlerts);
    expect(more).toEqual([]);
    expect(job?.dueAt).toBe(until);
    expect(job?.id).toBe(`held-${until / 60_000}-${raiseAlertSetJobId(held)}`);
  });
});
