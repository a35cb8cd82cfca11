import { Type } from '@sinclair/typebox';
import type { TelemetryEvent } from '@kanshi/contracts';
import { createTestSectorEnvironment } from './conformance';
import { DAY_MS, HOUR_MS } from './duration';
import { modelProfile } from './model-profile';
import { defineRule, judgesModelsOutsideInventory } from './rule';
import { MAX_STATE_BYTES, RuleRuntime, runtimeRules, type RuleStateRecord } from './rule-runtime';
import { getSectorModuleOptions, SectorModule } from './sector-module.decorator';

/** Counts events per model; a `grow` payload appends that many characters to its state. */
const counter = defineRule({
  id: 'COUNT',
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
    return state.n === 3 ? { observed: { n: state.n } } : undefined;
  },
});

/** Keeps a deadline per event, so its state always has a timer pending. */
const deadline = defineRule({
  id: 'DUE',
  title: 't',
  rationale: 'r',
  source: 's',
  defaultSeverity: 'low',
  reads: ['incident'],
  args: Type.Object({}),
  initialState: () => ({ open: 0 }),
  evaluate: ({ time, state, timers }) => {
    state.open++;
    timers.set('due', time + 30 * DAY_MS);
    return undefined;
  },
  onTimer: () => undefined,
});

/** Stateless, like G1. */
const unregistered = defineRule({
  id: 'UNREG',
  title: 't',
  rationale: 'r',
  source: 's',
  defaultSeverity: 'high',
  reads: 'all',
  args: Type.Object({}),
  evaluate: ({ model, modelId }) => (model === undefined ? { observed: { model_id: modelId } } : undefined),
});

/** Stateless, but sets a timer (without `onTimer`, so it is routed to every model): refused for a model outside the inventory. */
const sneaky = defineRule({
  id: 'SNEAKY',
  title: 't',
  rationale: 'r',
  source: 's',
  defaultSeverity: 'low',
  reads: ['explanation'],
  args: Type.Object({}),
  evaluate: ({ time, timers }) => {
    timers.set('later', time + HOUR_MS);
    return undefined;
  },
});

@SectorModule({ id: 'limits', description: 'test', sectors: 'all', rules: [counter, deadline, unregistered, sneaky], compatibility: '^0.2.2' })
class LimitsModule {}

const RULES = runtimeRules([getSectorModuleOptions(LimitsModule)!]);
const START = Date.parse('2026-01-05T00:00:00Z');
const MODEL = modelProfile({ tenantId: 't', modelId: 'm' });

let sequence = 0;
function event(modelId: string, time: number, type: TelemetryEvent['event_type'] = 'prediction', payload: Record<string, unknown> = {}): TelemetryEvent {
  sequence++;
  return { schema_version: '1.0', event_id: `e-${sequence}`, event_type: type, timestamp: new Date(time).toISOString(), tenant_id: 't', model_id: modelId, payload };
}

describe('rule state of models outside the inventory', () => {
  it('routes only stateless rules to them, so they keep no state, and G1-like rules still judge', () => {
    const runtime = new RuleRuntime(RULES);
    const out = runtime.evaluate(event('made-up-1', START), undefined, undefined, 0);
    runtime.evaluate(event('made-up-1', START + 1, 'incident'), undefined, out, 0);
    for (let i = 0; i < 1000; i++) runtime.evaluate(event(`made-up-${i}`, START + i), undefined, out, 0);

    expect(runtime.snapshot()).toEqual([]);
    expect(runtime.takeCheckpoint(0, START + DAY_MS)).toEqual({ records: [], deleted: [], failures: [] });
    expect(out.findings.filter((f) => f.rule.rule.id === 'UNREG')).toHaveLength(1002);
    expect(out.failures).toEqual([]);
    expect(runtime.rulesFor('incident', undefined).map((r) => r.rule.id)).toEqual(['UNREG']);
    expect(runtime.rulesFor('incident', MODEL).map((r) => r.rule.id)).toEqual(['COUNT', 'DUE', 'UNREG']);
    expect([counter, deadline, unregistered, sneaky].map(judgesModelsOutsideInventory)).toEqual([false, false, true, true]);
    // Timers without state (G1's recheck of an incomplete entry): still judged everywhere, timers only for registered models.
    const rechecks = defineRule({ ...unregistered, id: 'RECHECK', onTimer: () => undefined });
    expect(judgesModelsOutsideInventory(rechecks)).toBe(true);
  });

  it('refuses a timer a stateless rule sets for such a model, as that rule’s failure', () => {
    const runtime = new RuleRuntime(RULES);
    const out = runtime.evaluate(event('made-up', START, 'explanation'), undefined);

    expect(out.failures.map((f) => [f.ruleId, String(f.error)])).toEqual([
      ['SNEAKY', expect.stringContaining('set timer "later" for model "made-up", which is not in the inventory')],
    ]);
    expect(runtime.snapshot()).toEqual([]);
    // For a registered model the timer is kept.
    runtime.evaluate(event('m', START, 'explanation'), MODEL);
    expect(runtime.snapshot().map((r) => [r.ruleId, r.timers])).toContainEqual(['SNEAKY', { later: START + HOUR_MS }]);
  });

  it('starts the windows of a model registered later afresh', () => {
    const runtime = new RuleRuntime(RULES);
    for (let i = 0; i < 5; i++) runtime.evaluate(event('m', START + i), undefined);
    const out = runtime.evaluate(event('m', START + 10), MODEL);
    runtime.evaluate(event('m', START + 11), MODEL, out);

    expect(runtime.stateOf('t', 'm', 'COUNT')).toEqual({ n: 2, blob: '' });
    expect(out.findings.filter((f) => f.rule.rule.id === 'COUNT')).toEqual([]);
  });
});

describe('RuleRuntime.takeCheckpoint', () => {
  it('writes a stateless rule\'s timers when they change, not each time the rule reads them', () => {
    // As G1 rechecks an incomplete inventory entry: one timer set once, read on every event.
    const recheck = defineRule({
      ...unregistered,
      id: 'RECHECK',
      reads: ['incident'],
      evaluate: ({ model, time, timers }) => {
        if (model !== undefined && timers.get('again') === undefined) timers.set('again', time + DAY_MS);
        return undefined;
      },
      onTimer: () => undefined,
    });
    @SectorModule({ id: 'recheck', description: 'test', sectors: 'all', rules: [recheck], compatibility: '^0.2.3' })
    class RecheckModule {}
    const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(RecheckModule)!]));
    runtime.evaluate(event('m', START, 'incident'), MODEL, undefined, 1);
    expect(runtime.takeCheckpoint(1, START).records.map((r) => [r.ruleId, r.timers])).toEqual([['RECHECK', `{"again":${START + DAY_MS}}`]]);
    for (let i = 1; i <= 3; i++) runtime.evaluate(event('m', START + i, 'incident'), MODEL, undefined, 1);
    expect(runtime.takeCheckpoint(1, START + 3).records).toEqual([]);
  });

  it('writes changed records once, as JSON, with the newest event time that touched them', () => {
    const runtime = new RuleRuntime(RULES);
    runtime.evaluate(event('m', START + 5), MODEL, undefined, 1);
    runtime.evaluate(event('m', START + 3), MODEL, undefined, 1);
    runtime.evaluate(event('other', START), modelProfile({ tenantId: 't', modelId: 'other' }), undefined, 2);

    const { records, deleted, failures } = runtime.takeCheckpoint(1, START + 5);
    expect(records).toEqual([{ tenantId: 't', modelId: 'm', ruleId: 'COUNT', state: '{"n":2,"blob":""}', timers: '{}', touchedAt: START + 5 }]);
    expect([deleted, failures]).toEqual([[], []]);
    expect(runtime.takeCheckpoint(1, START + 5).records).toEqual([]);
    expect(runtime.takeCheckpoint(2, START).records.map((r) => r.modelId)).toEqual(['other']);
  });

  it('reports a state over the size limit as the rule’s failure, drops it and deletes its record', () => {
    const runtime = new RuleRuntime(RULES, undefined, { maxStateBytes: 1024 });
    runtime.evaluate(event('m', START, 'prediction', { grow: 500 }), MODEL, undefined, 0);
    expect(runtime.takeCheckpoint(0, START).records).toHaveLength(1);

    runtime.evaluate(event('m', START + 1, 'prediction', { grow: 600 }), MODEL, undefined, 0);
    const { records, deleted, failures } = runtime.takeCheckpoint(0, START + 1);
    expect(records).toEqual([]);
    expect(deleted).toEqual([{ tenantId: 't', modelId: 'm', ruleId: 'COUNT' }]);
    expect(failures.map((f) => [f.ruleId, f.moduleId, f.trigger, String(f.error)])).toEqual([
      ['COUNT', 'limits', 'checkpoint', expect.stringMatching(/state of rule COUNT for tenant "t" model "m" is 11\d\d bytes as JSON .* over the limit of 1024; it was reset/)],
    ]);
    expect(runtime.stateOf('t', 'm', 'COUNT')).toBeUndefined();

    // The rule starts afresh for the model.
    runtime.evaluate(event('m', START + 2), MODEL, undefined, 0);
    expect(runtime.stateOf('t', 'm', 'COUNT')).toEqual({ n: 1, blob: '' });
  });

  it('holds the default limit at 256 KiB: a 300 KB state never reaches the store', () => {
    const runtime = new RuleRuntime(RULES);
    runtime.evaluate(event('m', START, 'prediction', { grow: 200_000 }), MODEL, undefined, 0);
    expect(runtime.takeCheckpoint(0, START).records).toHaveLength(1);
    runtime.evaluate(event('m', START + 1, 'prediction', { grow: 100_000 }), MODEL, undefined, 0);
    const { records, failures } = runtime.takeCheckpoint(0, START + 1);
    expect(MAX_STATE_BYTES).toBe(262_144);
    expect([records.length, failures.length]).toEqual([0, 1]);
  });

  it('reports a state that is not JSON (a plug-in bug) the same way', () => {
    const bigint = defineRule({
      id: 'BIG',
      title: 't',
      rationale: 'r',
      source: 's',
      defaultSeverity: 'low',
      reads: 'all',
      args: Type.Object({}),
      initialState: () => ({ n: 0 }),
      evaluate: ({ state }) => {
        (state as { n: unknown }).n = 1n;
        return undefined;
      },
    });
    @SectorModule({ id: 'bigint', description: 'test', sectors: 'all', rules: [bigint], compatibility: '^0.2.2' })
    class BigintModule {}
    const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(BigintModule)!]));
    runtime.evaluate(event('m', START), MODEL);
    const { records, deleted, failures } = runtime.takeCheckpoint(undefined, START);
    expect([records, deleted.length]).toEqual([[], 1]);
    expect(String(failures[0]?.error)).toContain('cannot be encoded as JSON');
  });
});

describe('idle rule state (event time, fake clock)', () => {
  const IDLE = 30 * DAY_MS;

  function seeded() {
    const runtime = new RuleRuntime(RULES, undefined, { idleAfterMs: IDLE });
    const other = modelProfile({ tenantId: 't', modelId: 'busy' });
    runtime.evaluate(event('m', START), MODEL, undefined, 0);
    runtime.evaluate(event('m', START + 1, 'incident'), MODEL, undefined, 0);
    runtime.evaluate(event('busy', START), other, undefined, 0);
    runtime.takeCheckpoint(0, START + 1);
    return { runtime, other };
  }

  it('drops state with no pending timer once untouched for the idle period, and deletes its record in the same checkpoint', () => {
    const { runtime, other } = seeded();
    runtime.evaluate(event('busy', START + IDLE), other, undefined, 0);

    // Idle for exactly the period: kept.
    expect(runtime.takeCheckpoint(0, START + IDLE + 1)).toMatchObject({ deleted: [] });
    expect(runtime.stateOf('t', 'm', 'COUNT')).toEqual({ n: 2, blob: '' });

    // The next sweep, a hundredth of the idle period later.
    const later = START + IDLE + 1 + IDLE / 100;
    const { records, deleted } = runtime.takeCheckpoint(0, later);
    expect(deleted).toEqual([{ tenantId: 't', modelId: 'm', ruleId: 'COUNT' }]);
    expect(records).toEqual([]);
    expect(runtime.stateOf('t', 'm', 'COUNT')).toBeUndefined();
    // The deadline's state has a timer pending; the busy model was touched.
    expect(runtime.stateOf('t', 'm', 'DUE')).toEqual({ open: 1 });
    expect(runtime.stateOf('t', 'busy', 'COUNT')).toEqual({ n: 2, blob: '' });
  });

  it('gives the same state whether the sweep or the model’s next event comes first', () => {
    const swept = seeded().runtime;
    swept.takeCheckpoint(0, START + IDLE + HOUR_MS);
    swept.evaluate(event('m', START + IDLE + 2 * HOUR_MS), MODEL, undefined, 0);

    const unswept = seeded().runtime;
    unswept.evaluate(event('m', START + IDLE + 2 * HOUR_MS), MODEL, undefined, 0);

    expect(unswept.stateOf('t', 'm', 'COUNT')).toEqual({ n: 1, blob: '' });
    expect(unswept.stateOf('t', 'm', 'COUNT')).toEqual(swept.stateOf('t', 'm', 'COUNT'));
  });

  it('sweeps an owner at most once per hundredth of the idle period, and only its own state', () => {
    const { runtime } = seeded();
    runtime.evaluate(event('x', START), modelProfile({ tenantId: 't', modelId: 'x' }), undefined, 1);
    expect(runtime.takeCheckpoint(1, START + 2 * IDLE).deleted.map((k) => k.modelId)).toEqual(['x']);
    expect(runtime.stateOf('t', 'm', 'COUNT')).toBeDefined();
    expect(runtime.takeCheckpoint(0, START + IDLE + 1000).deleted.map((k) => k.modelId)).toEqual(['m', 'busy']);
    runtime.evaluate(event('y', START), modelProfile({ tenantId: 't', modelId: 'y' }), undefined, 0);
    expect(runtime.takeCheckpoint(0, START + IDLE + 2000).records).toHaveLength(1);
    expect(runtime.stateOf('t', 'y', 'COUNT')).toBeDefined();
    expect(runtime.takeCheckpoint(0, START + IDLE + 1000 + IDLE / 100).deleted.map((k) => k.modelId)).toEqual(['y']);
  });

  it('treats state restored without a time as touched at the first sweep, never as idle at once', () => {
    const runtime = new RuleRuntime(RULES, undefined, { idleAfterMs: IDLE });
    const old: RuleStateRecord = { tenantId: 't', modelId: 'm', ruleId: 'COUNT', state: { n: 9, blob: '' }, timers: {}, owner: 0 };
    runtime.restore([old]);
    expect(runtime.takeCheckpoint(0, START + 10 * IDLE).deleted).toEqual([]);
    expect(runtime.takeCheckpoint(0, START + 11 * IDLE + 1).deleted).toHaveLength(1);
  });

  it('keeps the time through a checkpoint and restore', () => {
    const { runtime } = seeded();
    const restored = new RuleRuntime(RULES, undefined, { idleAfterMs: IDLE });
    restored.restore(JSON.parse(JSON.stringify(runtime.snapshot())) as RuleStateRecord[]);
    expect(restored.takeCheckpoint(0, START + IDLE + HOUR_MS).deleted.map((k) => k.ruleId)).toEqual(['COUNT', 'COUNT']);
  });
});

describe('the conformance kit and the state size limit', () => {
  it('fails restart() when a state is over the limit the engine would reset it at', () => {
    const env = createTestSectorEnvironment(LimitsModule);
    env.send({ event_type: 'prediction', payload: { grow: MAX_STATE_BYTES } });
    expect(() => env.restart()).toThrow(/rule COUNT keeps \d+ bytes of state and timers for model "test-model", over the engine's limit of 262144/);
  });

  it('registers the default model when a test names none, so stateful rules judge it', () => {
    const env = createTestSectorEnvironment(LimitsModule);
    for (let i = 0; i < 3; i++) env.send({ event_type: 'prediction' });
    expect(env.findings.map((f) => f.rule.rule.id)).toEqual(['COUNT']);
    env.send({ event_type: 'prediction', model_id: 'shadow' });
    expect(env.findings.map((f) => f.rule.rule.id)).toEqual(['COUNT', 'UNREG']);
  });
});
