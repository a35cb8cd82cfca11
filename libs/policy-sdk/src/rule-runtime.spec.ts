import { Type } from '@sinclair/typebox';
import { checkSectorModule, createTestSectorEnvironment } from './conformance';
import { durationMs, HOUR_MS } from './duration';
import { defineRule, type RuleDefinition } from './rule';
import { RuleRuntime, runtimeRules } from './rule-runtime';
import { modelProfile } from './model-profile';
import { getSectorModuleOptions, SectorModule } from './sector-module.decorator';
import { Windows, type WindowedState } from './judged-windows';
import { Arg } from './payload-fields';
import { Evidence } from './evidence';
import { Stats } from './windows';

// The windowed example of the RuleDefinition TSDoc, verbatim: the documentation must work.
const plan = (a: { window: string; lateness: string }) => ({ bucket: a.window, lateness: a.lateness });

const overrideShare = defineRule({
  id: 'X2',
  title: 'Too many manual overrides in a window',
  rationale: 'Frequent overrides mean the model no longer fits the cases it sees.',
  source: 'Internal model policy §7',
  defaultSeverity: 'medium',
  reads: ['prediction', 'human_override'],
  args: Type.Object({ maxShare: Type.Number({ default: 0.1 }), ...Arg.shareWindow({ window: '1h', lateness: '5m', minSamples: 100 }, 'decisions') }),
  // Sized by the arguments, so a tenant's override shows in the effective policy.
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '1h' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    Windows.count(state, plan(args), time, timers, event.event_type === 'prediction' ? { decisions: 1 } : { overrides: 1 });
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const judged = Windows.judge(state, plan(args), timer.name);
    if (!judged) return undefined;
    const { decisions = 0, overrides = 0 } = judged.totals;
    // From minSamples decisions on the share decides; below, only a conclusive sample does.
    const verdict = Stats.shareAtMost(overrides, decisions, args.maxShare, args.minSamples);
    if (!verdict) return undefined;
    const observed = { share: verdict.share, decisions, ...Evidence.sample(verdict, args.minSamples) };
    if (verdict.verdict === 'insufficient') return { kind: 'insufficient', observed };
    return verdict.verdict === 'fail' ? { observed, occurrence: judged.occurrence } : { kind: 'clear' };
  },
});

@SectorModule({ id: 'acme-windows', description: 'test', sectors: 'all', rules: [overrideShare], compatibility: '^0.2.1' })
class WindowModule {}

const START = Date.parse('2026-01-05T00:00:00Z');

function hourOfTraffic(env: ReturnType<typeof createTestSectorEnvironment>, hourStart: number, decisions: number, overrides: number) {
  for (let i = 0; i < decisions; i++) {
    env.send({ event_type: 'prediction', timestamp: new Date(hourStart + i * 1000).toISOString() });
  }
  for (let i = 0; i < overrides; i++) {
    env.send({ event_type: 'human_override', timestamp: new Date(hourStart + 500_000 + i * 1000).toISOString(), payload: { action: 'override', reviewer_role: 'underwriter' } });
  }
}

describe('RuleRuntime with a windowed rule (through the conformance kit)', () => {
  it('judges each hour once, when it closes plus the lateness, and not per event', () => {
    const env = createTestSectorEnvironment(WindowModule);
    hourOfTraffic(env, START, 100, 11);
    expect(env.findings).toEqual([]);

    env.advanceTo(START + HOUR_MS + durationMs('5m') - 1);
    expect(env.findings).toEqual([]);
    env.advance('1ms');
    expect(env.findings.map((f) => f.observed)).toEqual([{ share: 0.11, decisions: 100 }]);
    expect(env.findings[0]).toMatchObject({ occurrence: '2026-01-05T00:00:00.000Z', severity: 'medium', evidence: [] });

    env.advance('5h');
    expect(env.findings).toHaveLength(1);
  });

  it('follows a tenant\'s window override: two-hour windows judged at their close', () => {
    const env = createTestSectorEnvironment(WindowModule, { args: { X2: { window: '2h' } } });
    hourOfTraffic(env, START, 60, 6);
    hourOfTraffic(env, START + HOUR_MS, 60, 7);
    env.advanceTo(START + 2 * HOUR_MS + durationMs('5m') - 1);
    expect(env.findings).toEqual([]);
    env.advance('1ms');
    expect(env.findings.map((f) => f.observed)).toEqual([{ share: 13 / 120, decisions: 120 }]);
  });

  it('hands initialState the arguments in force', () => {
    const seen: unknown[] = [];
    const sized = defineRule({
      id: 'X3',
      title: 't',
      rationale: 'r',
      source: 's',
      defaultSeverity: 'low',
      reads: ['prediction'],
      args: Type.Object({ keep: Type.Integer({ default: 3 }) }),
      initialState: (a) => {
        seen.push(a.keep);
        return { keep: a.keep };
      },
      evaluate: () => undefined,
    });
    @SectorModule({ id: 'acme-sized', description: 'test', sectors: 'all', rules: [sized], compatibility: '^0.2.1' })
    class SizedModule {}
    const env = createTestSectorEnvironment(SizedModule, { args: { X3: { keep: 7 } } });
    seen.length = 0; // the conformance check at creation made one state from the defaults
    env.send({ event_type: 'prediction' });
    expect(seen).toEqual([7]);
  });

  it('does not fire at the threshold, reports clear, and below the minimum sample decides only a conclusive sample', () => {
    const atThreshold = createTestSectorEnvironment(WindowModule);
    hourOfTraffic(atThreshold, START, 100, 10);
    atThreshold.advance('2h');
    expect(atThreshold.findings).toEqual([]);
    expect(atThreshold.clears).toHaveLength(1);

    const tooFew = createTestSectorEnvironment(WindowModule);
    hourOfTraffic(tooFew, START, 99, 12);
    tooFew.advance('2h');
    expect([tooFew.findings, tooFew.clears]).toEqual([[], []]);
    expect(tooFew.insufficient.map((i) => i.observed)).toEqual([{ share: 12 / 99, decisions: 99, min_samples: 100, judged_by: 'too_few_samples' }]);

    const conclusive = createTestSectorEnvironment(WindowModule);
    hourOfTraffic(conclusive, START, 99, 50);
    conclusive.advance('2h');
    expect(conclusive.findings.map((f) => f.observed)).toEqual([{ share: 50 / 99, decisions: 99, min_samples: 100, judged_by: 'wilson_lower_95' }]);
  });

  it('keeps counting across a restart: state and timers survive the checkpoint', () => {
    const env = createTestSectorEnvironment(WindowModule);
    hourOfTraffic(env, START, 60, 0);
    env.restart();
    hourOfTraffic(env, START + 100_000, 40, 11);
    env.restart();
    env.advance('2h');

    expect(env.findings.map((f) => f.observed)).toEqual([{ share: 0.11, decisions: 100 }]);
  });

  it('takes tenant overrides of the arguments, and shows the arguments in force', () => {
    const env = createTestSectorEnvironment(WindowModule, { args: { X2: { maxShare: 0.2 } } });
    hourOfTraffic(env, START, 100, 15);
    env.advance('2h');
    expect(env.findings).toEqual([]);

    const strict = createTestSectorEnvironment(WindowModule, { args: { X2: { maxShare: 0.05 } } });
    hourOfTraffic(strict, START, 100, 6);
    strict.advance('2h');
    expect(strict.findings[0]?.args).toEqual({ maxShare: 0.05, minSamples: 100, window: '1h', lateness: '5m' });
  });

  it('judges an hour whose lateness overlaps events of the next hour', () => {
    const env = createTestSectorEnvironment(WindowModule);
    hourOfTraffic(env, START, 100, 11);
    // Two minutes into the next hour, inside the first hour's lateness.
    env.send({ event_type: 'prediction', timestamp: new Date(START + HOUR_MS + 120_000).toISOString() });
    env.advance('3h');

    expect(env.findings.map((f) => f.occurrence)).toEqual(['2026-01-05T00:00:00.000Z']);
  });

  it('keeps state per model', () => {
    const env = createTestSectorEnvironment(WindowModule, { models: [{ modelId: 'a' }, { modelId: 'b' }] });
    for (let i = 0; i < 100; i++) {
      env.send({ event_type: 'prediction', model_id: 'a', timestamp: new Date(START + i).toISOString() });
      env.send({ event_type: 'prediction', model_id: 'b', timestamp: new Date(START + i).toISOString() });
    }
    for (let i = 0; i < 20; i++) env.send({ event_type: 'human_override', model_id: 'b', timestamp: new Date(START + 200 + i).toISOString(), payload: { action: 'override', reviewer_role: 'x' } });
    env.advance('2h');

    expect(env.findings.map((f) => f.modelId)).toEqual(['b']);
  });
});

describe('RuleRuntime, directly', () => {
  const failing: RuleDefinition = defineRule({
    id: 'BAD',
    title: 't',
    rationale: 'r',
    source: 's',
    defaultSeverity: 'low',
    reads: 'all',
    args: Type.Object({}),
    evaluate: ({ event }) => {
      if (event.event_id === 'boom') throw new Error('plug-in bug');
      return { observed: 1, severity: 'urgent' as never };
    },
  });

  @SectorModule({ id: 'buggy', description: 'b', sectors: 'all', rules: [failing], compatibility: '^0.2.1' })
  class BuggyModule {}

  const registered = modelProfile({ tenantId: 't', modelId: 'm' });
  const event = (id: string) => ({
    schema_version: '1.0',
    event_id: id,
    event_type: 'prediction' as const,
    timestamp: '2026-01-05T00:00:00Z',
    tenant_id: 't',
    model_id: 'm',
    payload: {},
  });

  it('replaces lone surrogates in what a rule observed, so the finding stays storable as JSON', () => {
    const cut = '😀'.slice(0, 1);
    const naming = defineRule({
      ...failing,
      id: 'CUT',
      evaluate: ({ event: e }) =>
        e.event_id === 'low' ? { kind: 'insufficient', observed: { feature: `age${cut}` } } : { observed: { feature: `income${cut}`, [`k${cut}`]: [cut, 'ok 😀'], n: 2 } },
    });
    @SectorModule({ id: 'cut', description: 'c', sectors: 'all', rules: [naming], compatibility: '^0.2.3' })
    class CutModule {}
    const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(CutModule)!]));
    const out = runtime.evaluate(event('e1'), undefined);
    runtime.evaluate(event('low'), undefined, out);

    expect(out.findings.map((f) => f.observed)).toEqual([{ feature: 'income\ufffd', 'k\ufffd': ['\ufffd', 'ok 😀'], n: 2 }]);
    expect(out.insufficient.map((i) => i.observed)).toEqual([{ feature: 'age\ufffd' }]);
    expect(JSON.stringify(out.findings[0]?.observed)).not.toMatch(/\\ud[89a-f]/);
  });

  it('reports a rule that throws or answers something malformed as a failure, and goes on', () => {
    const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(BuggyModule)!]));
    const out = runtime.evaluate(event('boom'), undefined);
    runtime.evaluate(event('ok'), undefined, out);

    expect(out.findings).toEqual([]);
    expect(out.failures.map((f) => [f.trigger, String(f.error)])).toEqual([
      ['boom', 'Error: plug-in bug'],
      ['ok', 'Error: severity "urgent" is not one of low, medium, high, critical'],
    ]);
  });

  it('skips a rule the resolver switches off (undefined), for events and for due timers', () => {
    const off = new Set<string>(['m']);
    const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(WindowModule)!, getSectorModuleOptions(BuggyModule)!]), (rule, _t, modelId) =>
      rule.rule.id === 'X2' && off.has(modelId) ? undefined : rule.defaultArgs,
    );
    const out = runtime.evaluate(event('ok'), registered);
    expect(out.failures.map((f) => f.ruleId)).toEqual(['BAD']);
    expect(runtime.stateOf('t', 'm', 'X2')).toBeUndefined();

    off.delete('m');
    runtime.evaluate(event('e1'), registered);
    expect(runtime.stateOf('t', 'm', 'X2')).toBeDefined();
    off.add('m');
    const fired = runtime.advanceTo(START + 3 * HOUR_MS, () => undefined);
    expect(fired.findings).toEqual([]);
    expect(fired.failures).toEqual([]);
    expect(runtime.takeChanges().flatMap((c) => Object.keys(c.timers))).toEqual([]);
  });

  it('hands out only the changed state for a checkpoint, and restores it', () => {
    const runtime = new RuleRuntime(runtimeRules([getSectorModuleOptions(WindowModule)!]));
    runtime.evaluate({ ...event('e1'), tenant_id: 't' }, registered);
    const changed = runtime.takeChanges();
    expect(changed.map((c) => [c.tenantId, c.modelId, c.ruleId, Object.keys(c.timers)])).toEqual([['t', 'm', 'X2', ['close@2026-01-05T00:00:00.000Z']]]);
    expect(runtime.takeChanges()).toEqual([]);

    const copy = new RuleRuntime(runtimeRules([getSectorModuleOptions(WindowModule)!]));
    copy.restore(JSON.parse(JSON.stringify(changed)) as typeof changed);
    expect(copy.stateOf('t', 'm', 'X2')).toEqual(runtime.stateOf('t', 'm', 'X2'));
    copy.forget((tenant) => tenant === 't');
    expect(copy.stateOf('t', 'm', 'X2')).toBeUndefined();
  });
});

describe('checkSectorModule', () => {
  it('names every problem: SDK range, rule ids, defaults, windows', () => {
    const bad = defineRule({
      id: '9bad',
      title: 't',
      rationale: 'r',
      source: 's',
      defaultSeverity: 'low',
      reads: [],
      args: Type.Object({ threshold: Type.Number() }),
      window: { kind: 'sliding', size: '1 hour' as never },
      evaluate: () => undefined,
    });
    @SectorModule({ id: 'broken', description: 'b', sectors: 'all', rules: [bad, bad], compatibility: '^9.0.0' })
    class Broken {}

    const problems = checkSectorModule(Broken);
    expect(problems).toEqual([
      expect.stringContaining('requires @kanshi/policy-sdk ^9.0.0, but this engine provides'),
      expect.stringContaining('Rule id "9bad" of "broken" is not valid'),
      expect.stringContaining('without valid defaults (/threshold'),
      expect.stringContaining('reads no event type'),
      expect.stringContaining('window.size: "1 hour" is not a duration'),
      expect.stringContaining('Rule id "9bad" of "broken" is not valid'),
      expect.stringContaining('declares rule 9bad twice'),
      expect.stringContaining('without valid defaults'),
      expect.stringContaining('reads no event type'),
      expect.stringContaining('window.size'),
    ]);
    expect(checkSectorModule(class Plain {})).toEqual(['Plain is not a sector module: decorate it with @SectorModule({ ... }).']);
    expect(checkSectorModule(WindowModule)).toEqual([]);
    expect(() => createTestSectorEnvironment(Broken)).toThrow('the module does not conform');
  });

  it('refuses test events that break the telemetry contract', () => {
    const env = createTestSectorEnvironment(WindowModule);
    expect(() => env.send({ event_type: 'human_override' })).toThrow('the test event breaks the telemetry contract: /payload/action');
  });
});
