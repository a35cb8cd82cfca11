import type { DataSource } from 'typeorm';
import { loadConfig } from '@kanshi/config';
import { createDataSource, RuleStateRepository } from '@kanshi/persistence';
import { defineRule, SectorModule, Type } from '@kanshi/policy-sdk';
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
  initialState: () => ({ n: 0 }),
  evaluate: ({ state }) => {
    state.n++;
    return undefined;
  },
});

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
    for (let i = 0; i < 5; i++) before.evaluate(telemetryEvent({ tenant_id: tenant, model_id: 'a' }), undefined, new FindingCollector(), 0);
    for (let i = 0; i < 3; i++) before.evaluate(telemetryEvent({ tenant_id: tenant, model_id: 'b' }), undefined, new FindingCollector(), 1);
    await checkpoints.save(topic, 0, 5n);
    // Partition 1's batch is not saved yet: a crash now must not leak its count into partition 0's checkpoint.

    const after = new PolicyEvaluator(registry);
    const restarted = new RuleCheckpoints(store, after, group);
    expect(await restarted.resume(topic, 0, 1)).toBe(5n);
    expect(await restarted.resume(topic, 1, 1)).toBeNull();
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 5 });
    expect(after.runtime.stateOf(tenant, 'b', 'COUNT')).toBeUndefined();

    // A new assignment reloads from the store, replacing what was counted since.
    after.evaluate(telemetryEvent({ tenant_id: tenant, model_id: 'a' }), undefined, new FindingCollector(), 0);
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 6 });
    expect(await restarted.resume(topic, 0, 1)).toBe(5n);
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 6 });
    expect(await restarted.resume(topic, 0, 2)).toBe(5n);
    expect(after.runtime.stateOf(tenant, 'a', 'COUNT')).toEqual({ n: 5 });
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
