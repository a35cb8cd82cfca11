import type { TelemetryEvent } from '@kanshi/contracts';
import { DAY_MS, defineRule, modelProfile, SectorModule, Type, type RuleStateRecord } from '@kanshi/policy-sdk';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';
import { RuleCheckpoints, type RuleStateChanges, type RuleStateStore } from './rule-checkpoints';
import { SectorModuleRegistry } from './sector-module-registry';

/** Appends `grow` characters per event: a state that grows without bound. */
const hoarder = defineRule({
  id: 'HOARD',
  title: 't',
  rationale: 'r',
  source: 's',
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

@SectorModule({ id: 'hoarding', description: 'test', sectors: 'all', rules: [hoarder], compatibility: '^0.2.2' })
class HoardingModule {}

/** Counts events and, a minute after the first, reports how many it counted. */
const tally = defineRule({
  id: 'TALLY',
  title: 't',
  rationale: 'r',
  source: 's',
  defaultSeverity: 'low',
  reads: 'all',
  args: Type.Object({}),
  initialState: () => ({ n: 0 }),
  evaluate: ({ state, time, timers }) => {
    state.n++;
    if (state.n === 1) timers.set('report', time + 60_000);
    return undefined;
  },
  onTimer: ({ state }) => ({ observed: { n: state.n }, occurrence: 'report' }),
});

@SectorModule({ id: 'tallying', description: 'test', sectors: 'all', rules: [tally], compatibility: '^0.2.2' })
class TallyingModule {}

/**
 * A store that, like PostgreSQL, fails a write whose value is too large, and otherwise keeps
 * rows and offsets as a transaction would: all of a save or none.
 */
class FakeStore implements RuleStateStore {
  readonly rows = new Map<string, { state: string; touchedAt: number | null }>();
  offset: string | null = null;
  saves: RuleStateChanges[] = [];

  constructor(private readonly largestValue: number) {}

  load(): Promise<{ nextOffset: string | null; records: RuleStateRecord[] }> {
    const records = [...this.rows].map(([key, row]) => {
      const [tenantId, modelId, ruleId] = key.split('|') as [string, string, string];
      return { tenantId, modelId, ruleId, state: JSON.parse(row.state) as unknown, timers: {}, ...(row.touchedAt === null ? {} : { touchedAt: row.touchedAt }) };
    });
    return Promise.resolve({ nextOffset: this.offset, records });
  }

  save(_group: string, _topic: string, _partition: number, nextOffset: string, changes: RuleStateChanges): Promise<void> {
    const tooLarge = changes.records.find((r) => r.state.length > this.largestValue);
    if (tooLarge) return Promise.reject(new Error(`value too large: ${tooLarge.state.length} bytes`));
    this.saves.push(changes);
    for (const k of changes.deleted) this.rows.delete(`${k.tenantId}|${k.modelId}|${k.ruleId}`);
    for (const r of changes.records) this.rows.set(`${r.tenantId}|${r.modelId}|${r.ruleId}`, { state: r.state, touchedAt: r.touchedAt });
    this.offset = nextOffset;
    return Promise.resolve();
  }
}

const TOPIC = 'kanshi.telemetry.v1';
const START = Date.parse('2026-01-05T00:00:00Z');

function event(modelId: string, time: number, payload: Record<string, unknown> = {}): TelemetryEvent {
  return { schema_version: '1.0', event_id: `${modelId}-${time}`, event_type: 'prediction', timestamp: new Date(time).toISOString(), tenant_id: 't', model_id: modelId, payload };
}

const model = (modelId: string) => modelProfile({ tenantId: 't', modelId });

describe('RuleCheckpoints and bounded rule state', () => {
  it('never lets one huge state block the partition: it is reset, reported, and the offset moves on', async () => {
    // The store refuses values over 300 KB, as the database refuses values past its limit.
    const store = new FakeStore(300_000);
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([HoardingModule]));
    const checkpoints = new RuleCheckpoints(store, evaluator, 'g', () => START + DAY_MS);
    await checkpoints.resume(TOPIC, 0, 1);

    for (let batch = 1; batch <= 4; batch++) {
      evaluator.evaluate(event('hoarder', START + batch, { grow: 100_000 }), model('hoarder'), new FindingCollector(), 0);
      evaluator.evaluate(event('quiet', START + batch), model('quiet'), new FindingCollector(), 0);
      await checkpoints.save(TOPIC, 0, BigInt(batch));
    }

    expect(store.offset).toBe('4');
    // Two batches fit; the third took the state past 256 KiB: reset and deleted, then started again.
    expect(store.saves.map((s) => s.deleted.map((k) => k.modelId))).toEqual([[], [], ['hoarder'], []]);
    expect(JSON.parse(store.rows.get('t|hoarder|HOARD')?.state ?? 'null')).toEqual({ n: 1, blob: 'x'.repeat(100_000) });
    expect(JSON.parse(store.rows.get('t|quiet|HOARD')?.state ?? 'null')).toEqual({ n: 4, blob: '' });
  });

  it('drops idle state and deletes its row in the checkpoint that drops it, by the partition’s event time', async () => {
    const store = new FakeStore(1_000_000);
    const idle = 30 * DAY_MS;
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([HoardingModule]), undefined, { idleAfterMs: idle });
    let wall = START + 400 * DAY_MS;
    const checkpoints = new RuleCheckpoints(store, evaluator, 'g', () => wall);
    await checkpoints.resume(TOPIC, 0, 1);
    evaluator.evaluate(event('old', START), model('old'), new FindingCollector(), 0);
    evaluator.evaluate(event('busy', START), model('busy'), new FindingCollector(), 0);
    await checkpoints.save(TOPIC, 0, 1n);
    expect([...store.rows.keys()]).toEqual(['t|old|HOARD', 't|busy|HOARD']);

    // Far ahead on the wall clock, but the partition's events say only ten days passed.
    evaluator.evaluate(event('busy', START + 10 * DAY_MS), model('busy'), new FindingCollector(), 0);
    await checkpoints.save(TOPIC, 0, 2n);
    expect(store.rows.has('t|old|HOARD')).toBe(true);

    evaluator.evaluate(event('busy', START + 31 * DAY_MS), model('busy'), new FindingCollector(), 0);
    await checkpoints.save(TOPIC, 0, 3n);
    expect(store.saves.at(-1)).toMatchObject({ deleted: [{ tenantId: 't', modelId: 'old', ruleId: 'HOARD' }] });
    expect([...store.rows.keys()]).toEqual(['t|busy|HOARD']);
    expect(store.offset).toBe('3');
    expect(evaluator.runtime.stateOf('t', 'old', 'HOARD')).toBeUndefined();

    // One event stamped far in the future does not make the rest look idle: the wall clock holds it back.
    wall = START + 32 * DAY_MS;
    evaluator.evaluate(event('busy', START + 9000 * DAY_MS), model('busy'), new FindingCollector(), 0);
    evaluator.evaluate(event('other', START + 31 * DAY_MS), model('other'), new FindingCollector(), 0);
    await checkpoints.save(TOPIC, 0, 4n);
    expect([...store.rows.keys()].sort()).toEqual(['t|busy|HOARD', 't|other|HOARD']);
  });

  it('reloads the state of the last checkpoint when a save fails, deletions included', async () => {
    const store = new FakeStore(1_000_000);
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([HoardingModule]), undefined, { idleAfterMs: DAY_MS });
    const checkpoints = new RuleCheckpoints(store, evaluator, 'g', () => START + 10 * DAY_MS);
    await checkpoints.resume(TOPIC, 0, 1);
    evaluator.evaluate(event('old', START), model('old'), new FindingCollector(), 0);
    await checkpoints.save(TOPIC, 0, 1n);

    evaluator.evaluate(event('new', START + 2 * DAY_MS), model('new'), new FindingCollector(), 0);
    store.save = () => Promise.reject(new Error('database down'));
    await expect(checkpoints.save(TOPIC, 0, 2n)).rejects.toThrow('database down');
    expect(evaluator.runtime.stateOf('t', 'old', 'HOARD')).toBeUndefined();

    expect(await checkpoints.resume(TOPIC, 0, 1)).toBe(1n);
    expect(evaluator.runtime.stateOf('t', 'old', 'HOARD')).toEqual({ n: 1, blob: '' });
    expect(evaluator.runtime.stateOf('t', 'new', 'HOARD')).toBeUndefined();
  });

  it('drops a failed batch’s state from memory at once, so no timer is judged on it before the reload', async () => {
    const store = new FakeStore(1_000_000);
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([TallyingModule]));
    const checkpoints = new RuleCheckpoints(store, evaluator, 'g', () => START);
    await checkpoints.resume(TOPIC, 0, 1);
    evaluator.evaluate(event('m', START), model('m'), new FindingCollector(), 0);
    await checkpoints.save(TOPIC, 0, 1n);

    // The next batch is evaluated, then fails (the database is down): its event must not count.
    evaluator.evaluate(event('m', START + 1000), model('m'), new FindingCollector(), 0);
    checkpoints.invalidate(TOPIC, 0);
    const judged = new FindingCollector();
    const later = START + 3_600_000;
    evaluator.tick(later, () => undefined, judged, () => later);
    expect(judged.output.findings).toEqual([]);

    // Once the store answers, the partition reloads its checkpoint: one event, and the retry counts the second.
    expect(await checkpoints.resume(TOPIC, 0, 1)).toBe(1n);
    expect(evaluator.runtime.stateOf('t', 'm', 'TALLY')).toEqual({ n: 1 });
  });
});
