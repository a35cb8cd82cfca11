import { Registry } from 'prom-client';
import { loadConfig } from '@kanshi/config';
import type { RaiseAlertJob, Severity } from '@kanshi/contracts';
import type { AlertWrites, NotifiableAlert, NotificationRepository, RecordFindingsResult, Transactions, Tx } from '@kanshi/persistence';
import type { AlertQueue } from '@kanshi/queue';
import { findingRecord, g1Fingerprint, raiseAlertJob } from '@kanshi/testing';
import { AlertMetrics, AlertWorkerMetrics } from './alert-metrics';
import { ClearAlertJobHandler } from './jobs/clear-alert.job';
import { AlertRaiser } from './jobs/raise-alert.job';
import { NotificationRuns } from './notification-runs.service';
import type { OutboxRelay } from './outbox-relay.service';
import type { QuotaCounter } from './quotas/quota-counter';

const NOW = new Date('2026-12-07T09:00:00Z');

/** The counts of a counter of the registry that are above 0, by its one label. */
async function counted(registry: Registry, name: string): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return Object.fromEntries(values.filter((v) => v.value > 0).map((v) => [String(Object.values(v.labels)[0]), v.value]));
}

function raise(model: string, ...severities: Severity[]): RaiseAlertJob {
  return raiseAlertJob('acme', model, severities.map((s) => findingRecord(g1Fingerprint('acme', model), s)));
}

const recordOf = (job: RaiseAlertJob, over: Partial<RecordFindingsResult>): RecordFindingsResult => ({ alertId: `alert-${job.model_id}`, fingerprint: job.fingerprint, created: false, reopened: false, newFindings: 1, ...over });

describe('AlertRaiser: alerts created, reopened and held back, counted once their set is committed', () => {
  function raiserWith(recordFindingSet: AlertWrites['recordFindingSet']) {
    const registry = new Registry();
    const raiser = new AlertRaiser(
      { recordFindingSet } as unknown as AlertWrites,
      { kick: () => Promise.resolve() } as unknown as OutboxRelay,
      {} as QuotaCounter,
      { enqueue: () => Promise.resolve(), hold: () => Promise.resolve() } as unknown as AlertQueue,
      loadConfig({}),
      new AlertMetrics(registry),
      new AlertWorkerMetrics(registry),
    );
    return { raiser, registry };
  }

  it('counts each alert created at the worst severity of its findings, the reopened ones, and those the quota held back', async () => {
    const [created, reopened, known, held] = [raise('m1', 'medium', 'critical'), raise('m2', 'low'), raise('m3', 'high'), raise('m4', 'high')];
    const { raiser, registry } = raiserWith((_tenant, raises) =>
      Promise.resolve({
        recorded: raises.filter((r) => r !== held).map((r) => recordOf(r, { created: r === created, reopened: r === reopened })),
        held: raises.filter((r) => r === held),
      }),
    );

    await raiser.raise('acme', [created, reopened, known, held, raise('m1', 'low')]);

    expect(await counted(registry, 'kanshi_alerts_created_total')).toEqual({ critical: 1 });
    expect(await counted(registry, 'kanshi_alert_transitions_total')).toEqual({ reopen: 1 });
    expect(await counted(registry, 'kanshi_quota_holds_total')).toEqual({ 'alert-creations-per-minute': 1 });
  });

  it('counts nothing of a set the database rolled back (the job is retried and counts then)', async () => {
    const { raiser, registry } = raiserWith(() => Promise.reject(new Error('the database went away')));

    await expect(raiser.raise('acme', [raise('m1', 'high')])).rejects.toThrow('the database went away');

    expect(await counted(registry, 'kanshi_alerts_created_total')).toEqual({});
    expect((await registry.metrics()).match(/^kanshi_alerts_created_total\{severity="(low|medium|high|critical)"\} 0$/gm)).toHaveLength(4);
  });
});

describe('ClearAlertJobHandler: an auto-resolve counted once committed', () => {
  const clear = { fingerprint: 'f', tenant_id: 'acme', model_id: 'm', rule_id: 'G1', scope: 'model', cleared_at: NOW.toISOString(), clear_for_ms: 0 };

  it.each([
    ['resolved', { 'auto-resolve': 1 }],
    ['clearing', {}],
    ['no-open-alert', {}],
  ] as const)('a clear that comes to %s', async (outcome, expected) => {
    const registry = new Registry();
    const writes = { recordClear: () => Promise.resolve({ outcome, alertId: 'a1', clearSince: NOW }) } as unknown as AlertWrites;

    await new ClearAlertJobHandler(writes, new AlertMetrics(registry)).handle(clear);

    expect(await counted(registry, 'kanshi_alert_transitions_total')).toEqual(expected);
  });
});

describe('NotificationRuns: silences applied and ended, counted once the transaction commits', () => {
  const alert = (id: string, status: NotifiableAlert['status'], modelId = 'credit'): NotifiableAlert => ({ id, status, severity: 'high', sector: 'finance', modelId, ruleId: 'G1', notifiedAt: null, notifiedSeverity: null });
  const silenceOf = (id: string, modelId: string) => ({ id, startsAt: new Date(NOW.getTime() - 60_000), endsAt: new Date(NOW.getTime() + 3_600_000), severities: [], sectors: [], modelIds: [modelId], ruleIds: [] });

  /**
   * The flows over a fake transaction whose statements all succeed; `attempts` runs the flow that
   * many times, each but the last rolled back after it ran (a deadlock, as `Transactions` retries it).
   */
  function runsWith(rows: Partial<Record<keyof NotificationRepository, unknown>>, attempts = 1) {
    const registry = new Registry();
    const statements: string[] = [];
    const m = { query: (sql: string) => Promise.resolve(void statements.push(sql.trim().split(/\s+/)[0] ?? '')).then(() => []) } as unknown as Tx;
    const tx = {
      run: async <T>(work: (m: Tx) => Promise<T>): Promise<T> => {
        for (let i = 1; i < attempts; i++) await work(m);
        return work(m);
      },
    } as unknown as Transactions;
    const runs = new NotificationRuns(tx, rows as unknown as NotificationRepository, new AlertMetrics(registry));
    return { runs, registry, statements };
  }

  const expiring = (held: NotifiableAlert[], silences: ReturnType<typeof silenceOf>[] = []) => ({
    lockSilence: () => Promise.resolve({ endsAt: new Date(NOW.getTime() - 1000), remindedAt: null }),
    heldBySilence: () => Promise.resolve(held),
    routing: () => Promise.resolve({ routes: [], silences, usable: new Set<string>() }),
  });
  const job = { tenant_id: 'acme', silence_id: 's-1', ends_at: new Date(NOW.getTime() - 1000).toISOString() };

  it('counts the alerts a silence’s end lets fire again, not one another silence takes over', async () => {
    const { runs, registry, statements } = runsWith(expiring([alert('a1', 'silenced'), alert('a2', 'silenced'), alert('a3', 'silenced', 'fraud')], [silenceOf('s-2', 'fraud')]));

    const result = await runs.expireSilence(job, NOW);

    expect(result).toMatchObject({ outcome: 'done', alertIds: ['a1', 'a2'] });
    expect(statements).toContain('UPDATE');
    expect(await counted(registry, 'kanshi_alert_transitions_total')).toEqual({ unsilence: 2 });
  });

  it('counts a flow the database ran again after a deadlock once', async () => {
    const { runs, registry } = runsWith(expiring([alert('a1', 'silenced')]), 3);

    await runs.expireSilence(job, NOW);

    expect(await counted(registry, 'kanshi_alert_transitions_total')).toEqual({ unsilence: 1 });
  });

  it('counts nothing of a flow the database rolled back', async () => {
    const { runs, registry } = runsWith({ ...expiring([alert('a1', 'silenced')]), routing: () => Promise.reject(new Error('connection lost')) });

    await expect(runs.expireSilence(job, NOW)).rejects.toThrow('connection lost');

    expect(await counted(registry, 'kanshi_alert_transitions_total')).toEqual({});
  });

  it('counts the due alerts of group runs a silence in force holds', async () => {
    const members = [alert('a1', 'firing'), alert('a2', 'firing'), alert('b1', 'firing', 'fraud')];
    const { runs, registry } = runsWith({
      lockGroups: () => Promise.resolve(),
      firingMembers: (_m: Tx, groups: readonly { modelId: string }[]) => Promise.resolve(groups.map((g) => members.filter((a) => a.modelId === g.modelId))),
      lockFiring: (_m: Tx, ids: readonly string[]) => Promise.resolve(new Map(members.filter((a) => ids.includes(a.id)).map((a) => [a.id, a]))),
      routing: () => Promise.resolve({ routes: [], silences: [silenceOf('s-1', 'credit')], usable: new Set<string>() }),
      storeNotificationSets: (_m: Tx, sets: readonly unknown[]) => Promise.resolve(sets.map(() => [])),
      markNotified: () => Promise.resolve(),
      setGroupRuns: () => Promise.resolve(),
    });
    const group = (modelId: string) => ({ tenantId: 'acme', groupKey: `${modelId}/high`, modelId, severity: 'high', repeatMs: 3_600_000 });

    const results = await runs.runGroups([group('credit'), group('fraud'), group('credit')], NOW);

    expect(results.map((r) => [r.notified, r.silenced])).toEqual([
      [0, 2],
      [1, 0],
      [0, 0],
    ]);
    expect(await counted(registry, 'kanshi_alert_transitions_total')).toEqual({ silence: 2 });
  });
});
