import { createTenantFixture, tapDeadLetters, telemetryEvent, uniqueId, waitFor, type DeadLetterTap, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

/**
 * One tenant's flood stays its own problem: past its quotas its events are dead-lettered as
 * QUOTA_EXCEEDED and it gets one quota alert, while another tenant's events go on.
 */
describe('tenant quotas of the engine (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let flooder: TenantFixture;
  let shadowy: TenantFixture;
  let neighbour: TenantFixture;
  let tap: DeadLetterTap;

  beforeAll(async () => {
    kanshi = await startKanshi({ KANSHI_QUOTA_EVENTS_PER_MINUTE: '60', KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY: '3' });
    const models = [{ modelId: 'credit', sectors: ['finance' as const], riskTier: 'T2' as const }];
    flooder = await createTenantFixture(kanshi.dataSource, uniqueId('flooder'), models);
    shadowy = await createTenantFixture(kanshi.dataSource, uniqueId('shadowy'), models);
    neighbour = await createTenantFixture(kanshi.dataSource, uniqueId('neighbour'), models);
    for (const tenant of [flooder, shadowy, neighbour]) await kanshi.engineKnowsTenant(tenant.tenantId);
    tap = await tapDeadLetters(kanshi.kafka, kanshi.config.values.engineGroupId);
  });

  afterAll(async () => {
    await tap?.stop();
    await kanshi?.stop();
  });

  const alerts = (tenantId: string) =>
    kanshi.dataSource.query<{ rule_id: string; model_id: string; scope: string; occurrence_count: number }[]>(
      `SELECT rule_id, model_id, scope, occurrence_count FROM alerts WHERE tenant_id = $1 ORDER BY rule_id, model_id`,
      [tenantId],
    );
  const refused = (tenantId: string) => tap.records.filter((d) => d.key?.startsWith(`${tenantId}:`) && d.reason === 'QUOTA_EXCEEDED');

  it("dead-letters a tenant's events past its events per minute, raises one quota alert, and keeps evaluating its neighbour", async () => {
    const events = (tenant: TenantFixture, count: number, modelId = 'credit') =>
      Array.from({ length: count }, (_, i) => telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId, event_id: `${tenant.tenantId}-${modelId}-${i}` }));
    // 50 events arriving at once under a quota of 60 a minute: a 10 s window admits 10 (a sixth),
    // 20 if the produce straddles two windows; the rest are over.
    await kanshi.produce(events(flooder, 50));
    // The neighbour's events of an unregistered model are evaluated: its G1 alert arrives.
    await kanshi.produce(events(neighbour, 5, 'shadow-model'));
    await kanshi.engineCaughtUp();
    await tap.caughtUp();

    const over = refused(flooder.tenantId);
    expect(over.length).toBeGreaterThanOrEqual(30);
    expect(over.length).toBeLessThanOrEqual(40);
    expect(over[0]?.error).toContain('KANSHI_QUOTA_EVENTS_PER_MINUTE');
    // Named in place (their offsets), not copied: the tap read each original back.
    expect(over.every((d) => d.inPlace === true && d.value !== null)).toBe(true);
    expect(refused(neighbour.tenantId)).toEqual([]);
    await waitFor('the quota alert and the neighbour’s G1', async () => {
      const [flooded, spared] = await Promise.all([alerts(flooder.tenantId), alerts(neighbour.tenantId)]);
      return flooded.some((a) => a.rule_id === 'Q1') && spared.length > 0 ? { flooded, spared } : undefined;
    }).then(({ flooded, spared }) => {
      // (Its registered model's own rules judged the events within the quota.)
      expect(flooded.filter((a) => a.rule_id === 'Q1')).toEqual([{ rule_id: 'Q1', model_id: '_tenant', scope: 'events-per-minute', occurrence_count: 1 }]);
      expect(spared).toEqual([{ rule_id: 'G1', model_id: 'shadow-model', scope: 'model', occurrence_count: 5 }]);
    });
  });

  it('evaluates only so many new models outside the inventory a day; the ones it took go on', async () => {
    const ghost = (modelId: string, n = 1) => telemetryEvent({ tenant_id: shadowy.tenantId, model_id: modelId, event_id: `${modelId}-${n}` });
    // Three new models fill the day's quota; then three more are refused, and the first goes on.
    await kanshi.produce(['ghost-0', 'ghost-1', 'ghost-2'].map((m) => ghost(m)));
    await kanshi.engineCaughtUp();
    await kanshi.produce([...['ghost-3', 'ghost-4', 'ghost-5'].map((m) => ghost(m)), ghost('ghost-0', 2)]);
    await kanshi.engineCaughtUp();
    await tap.caughtUp();

    expect(refused(shadowy.tenantId).map((d) => d.key).sort()).toEqual(['ghost-3', 'ghost-4', 'ghost-5'].map((m) => `${shadowy.tenantId}:${m}`));
    expect(refused(shadowy.tenantId)[0]?.error).toContain('KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY');
    const found = await waitFor('three G1 alerts, one with two occurrences, and the quota alert', async () => {
      const rows = await alerts(shadowy.tenantId);
      return rows.length === 4 && rows[0]?.occurrence_count === 2 ? rows : undefined;
    });
    expect(found).toEqual([
      { rule_id: 'G1', model_id: 'ghost-0', scope: 'model', occurrence_count: 2 },
      { rule_id: 'G1', model_id: 'ghost-1', scope: 'model', occurrence_count: 1 },
      { rule_id: 'G1', model_id: 'ghost-2', scope: 'model', occurrence_count: 1 },
      { rule_id: 'Q1', model_id: '_tenant', scope: 'unregistered-models-per-day', occurrence_count: 1 },
    ]);
  });
});
