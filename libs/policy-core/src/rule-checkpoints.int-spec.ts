import type { DataSource } from 'typeorm';
import { loadConfig } from '@kanshi/config';
import { createDataSource, RuleStateRepository } from '@kanshi/persistence';
import { DAY_MS, defineRule, modelProfile, SectorModule, Type, type ModelProfile } from '@kanshi/policy-sdk';
import { telemetryEvent, uniqueId } from '@kanshi/testing';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';
import { RuleCheckpoints } from './rule-checkpoints';
import { SectorModuleRegistry } from './sector-module-registry';

const counter = defineRule({
  id: 'COUNT',
  title: 'Counts events',
  rationale: 'test',
  source: 'test',
  defaultSeverity: 'low',
  reads: 'all',
  args: Type.Object({}),
  initialState: () => ({ n: 0, blob: '' }),
  evaluate: ({ event, state }) => {
    state.n++;
    const grow = event.payload['grow'];
    if (typeof grow === 'number') state.blob += 'x'.repeat(grow);
    return undefined;
  },
});

/** Rules with state judge only models in the inventory. */
const registered = (tenantId: string, modelId: string): ModelProfile => modelProfile({ tenantId, modelId });

@SectorModule({ id: 'counting', description: 'test', sectors: 'all', rules: [counter], compatibility: '^0.2.0' })
class CountingModule {}

describe('RuleCheckpoints with PostgreSQL', () => {
  let dataSource: DataSource;
  const registry = SectorModuleRegistry.load([CountingModule]);
  const topic = 'kanshi.telemetry.v1';

  beforeAll(async () => {
    dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-checkpoints');
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('restores a partition’s state and offset after a restart, and keeps other partitions apart', async () => {
    const group = uniqueId('cp-group');
    const tenant = uniqueId('cp-tenant');
    const store = new RuleStateRepository(dataSource);
    const before = new PolicyEvaluator(registry);
    const checkpoints = new RuleCheckpoints(store, before, group);

    expect(await checkpoints.resume(topic, 0, 1)).toBeNull();
    expect(await checkpoints.resume(topic, 1, 1)).toBeNull();
    for (let i = 0; i < 5; i++) before.evaluate(telemetryEvent({ tenant_id: tenant, model_id: 'a' }), registered(tenant, 'a'), new FindingCollector(), 0);
    for (let i = 0; i < 3; i++) before.evaluate(telemetryEvent({ tenant_id: tenant, model_id: 'b' }), registered(tenant, 'b'), new FindingCollector(), 1);
    await checkpoints.save(topic, 0, 5n);
    // Partition 1's batch is not saved yet: a crash now must not leak its count into partition 0's checkpoint.

    const after = new PolicyEvaluator(registry);
    const restarted = new RuleCheckpoints(store, after, group);
    expect(await restarted.resume(topic, 0, 1)).toBe(5n);
    expect(await restarted.resume(topic, 1, 1)).toBeNull();
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 5, blob: '' });
    expect(after.runtime.stateOf(tenant, 'b', 'COUNT')).toBeUndefined();

    // A new assignment reloads from the store, replacing what was counted since.
    after.evaluate(telemetryEvent({ tenant_id: tenant, model_id: 'a' }), registered(tenant, 'a'), new FindingCollector(), 0);
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 6, blob: '' });
    expect(await restarted.resume(topic, 0, 1)).toBe(5n);
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 6, blob: '' });
    expect(await restarted.resume(topic, 0, 2)).toBe(5n);
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 5, blob: '' });
  });

  it('deletes idle state with the checkpoint that drops it, and keeps when each state was touched', async () => {
    const group = uniqueId('cp-group');
    const tenant = uniqueId('cp-tenant');
    const store = new RuleStateRepository(dataSource);
    const start = Date.parse('2026-01-05T00:00:00Z');
    const evaluator = new PolicyEvaluator(registry, undefined, { idleAfterMs: 30 * DAY_MS });
    const checkpoints = new RuleCheckpoints(store, evaluator, group, () => start + 365 * DAY_MS);
    const at = (model: string, day: number) =>
      evaluator.evaluate(telemetryEvent({ tenant_id: tenant, model_id: model, timestamp: new Date(start + day * DAY_MS).toISOString() }), registered(tenant, model), new FindingCollector(), 3);
    await checkpoints.resume(topic, 3, 1);
    at('idle', 0);
    at('busy', 0);
    await checkpoints.save(topic, 3, 2n);
    at('busy', 20);
    at('busy', 40);
    await checkpoints.save(topic, 3, 3n);

    const reloaded = new PolicyEvaluator(registry, undefined, { idleAfterMs: 30 * DAY_MS });
    expect(await new RuleCheckpoints(store, reloaded, group).resume(topic, 3, 1)).toBe(3n);
    expect(reloaded.runtime.snapshot().map((r) => [r.modelId, r.state, r.touchedAt])).toEqual([['busy', { n: 3, blob: '' }, start + 40 * DAY_MS]]);
  });

  it('checkpoints past a state over the size limit: the row is deleted, the offset moves, the partition goes on', async () => {
    const group = uniqueId('cp-group');
    const tenant = uniqueId('cp-tenant');
    const store = new RuleStateRepository(dataSource);
    const evaluator = new PolicyEvaluator(registry);
    const checkpoints = new RuleCheckpoints(store, evaluator, group);
    const send = (model: string, grow: number) =>
      evaluator.evaluate(telemetryEvent({ tenant_id: tenant, model_id: model, payload: { grow } }), registered(tenant, model), new FindingCollector(), 4);
    await checkpoints.resume(topic, 4, 1);
    send('huge', 200_000);
    send('small', 10);
    await checkpoints.save(topic, 4, 10n);
    send('huge', 200_000);
    send('small', 10);
    await checkpoints.save(topic, 4, 20n);

    const rows = await dataSource.query<{ model_id: string; n: number }[]>(
      `SELECT model_id, (state->>'n')::int AS n FROM rule_states WHERE consumer_group = $1 ORDER BY model_id`,
      [group],
    );
    expect(rows).toEqual([{ model_id: 'small', n: 2 }]);
    const reloaded = new PolicyEvaluator(registry);
    expect(await new RuleCheckpoints(store, reloaded, group).resume(topic, 4, 1)).toBe(20n);
    expect(reloaded.runtime.stateOf(tenant, 'huge', 'COUNT')).toBeUndefined();
  });

  it('checkpoints the repartition marks with the state, and reloads them with the partition', async () => {
    const group = uniqueId('cp-group');
    const store = new RuleStateRepository(dataSource);
    const checkpoints = new RuleCheckpoints(store, new PolicyEvaluator(registry), group);
    await checkpoints.resume(topic, 3, 1);
    checkpoints.marksOf(topic, 3).set('acme/1', 41n);
    await checkpoints.save(topic, 3, 10n);
    // Marks changed but never saved (a crash before the checkpoint) are not what a restart sees.
    checkpoints.marksOf(topic, 3).set('acme/1', 99n);

    const restarted = new RuleCheckpoints(store, new PolicyEvaluator(registry), group);
    expect(await restarted.resume(topic, 3, 1)).toBe(10n);
    expect([...restarted.marksOf(topic, 3)]).toEqual([['acme/1', 41n]]);
    // A save without changed marks keeps the stored ones.
    await restarted.save(topic, 3, 12n);
    const again = new RuleCheckpoints(store, new PolicyEvaluator(registry), group);
    expect(await again.resume(topic, 3, 1)).toBe(12n);
    expect([...again.marksOf(topic, 3)]).toEqual([['acme/1', 41n]]);
  });
});
