import { Logger } from '@nestjs/common';
import type { AlertQueue } from '@kanshi/queue';
import type { RaiseAlertJob } from '@kanshi/contracts';
import type { TopicLogEnds } from '@kanshi/messaging';
import { CountWindow, defineRule, durationMs, modelProfile, SectorModule, Type } from '@kanshi/policy-sdk';
import { telemetryEvent } from '@kanshi/testing';
import type { InventoryCache } from './inventory-cache.service';
import type { RuleVerdict } from './model-inventory';
import { PartitionClocks } from './partition-clocks';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';
import { RuleClock } from './rule-clock.service';
import { SectorModuleRegistry } from './sector-module-registry';

const MINUTE = durationMs('1m');

/** Counts predictions per minute and reports each minute 10 s after it ends. */
const perMinute = defineRule({
  id: 'MINUTE',
  title: 'Per-minute count',
  rationale: 'test',
  source: 'test',
  defaultSeverity: 'low',
  reads: ['prediction'],
  args: Type.Object({}),
  window: { kind: 'tumbling', size: '1m' },
  initialState: () => CountWindow.create('1m', '3m'),
  evaluate: ({ time, state, timers }) => {
    CountWindow.add(state, time, { n: 1 });
    timers.set(`close:${CountWindow.bucketStart(state, time)}`, CountWindow.bucketEnd(state, time) + 10_000);
    return undefined;
  },
  onTimer: ({ timer, state }) => {
    const start = timer.at - 10_000 - MINUTE;
    return { observed: { n: CountWindow.bucket(state, start)['n'] ?? 0 }, occurrence: new Date(start).toISOString() };
  },
});

@SectorModule({ id: 'minutes', description: 'test', sectors: 'all', rules: [perMinute], compatibility: '^0.2.0' })
class MinuteModule {}

afterEach(() => jest.restoreAllMocks());

describe('RuleClock', () => {
  const minute = Date.parse('2026-11-24T12:00:00Z');
  const profile = modelProfile({ tenantId: 't', modelId: 'm' });

  function setup(logEnds: () => Map<number, bigint> | undefined, redisUp: () => boolean = () => true, postgresUp: () => boolean = () => true) {
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([MinuteModule]));
    const clocks = new PartitionClocks();
    const enqueued: RaiseAlertJob[] = [];
    const alerts = {
      enqueue: (jobs: readonly RaiseAlertJob[]) => (redisUp() ? Promise.resolve(void enqueued.push(...jobs)) : Promise.reject(new Error('Reached the max retries per request limit'))),
    } as unknown as AlertQueue;
    const recorded: RuleVerdict[] = [];
    const inventory = {
      get: () => profile,
      recordRuleVerdicts: (verdicts: readonly RuleVerdict[]) => (postgresUp() ? Promise.resolve(void recorded.push(...verdicts)) : Promise.reject(new Error('connect ECONNREFUSED'))),
    } as unknown as InventoryCache;
    const reader = { readWithin: () => Promise.resolve(logEnds()) } as unknown as TopicLogEnds;
    const clock = new RuleClock(evaluator, inventory, alerts, clocks, reader);
    /** Evaluates `count` predictions a second apart from `from` on partition 0, as one batch ending at `nextOffset`. */
    const batch = (count: number, from: number, nextOffset: bigint, fetchedEnd = nextOffset) => {
      for (let i = 0; i < count; i++) {
        evaluator.evaluate(telemetryEvent({ tenant_id: 't', model_id: 'm', timestamp: new Date(from + i * 1000).toISOString() }), profile, new FindingCollector(), 0);
      }
      clocks.record(0, from + (count - 1) * 1000, nextOffset, fetchedEnd);
    };
    const judged = () => enqueued.flatMap((job) => job.findings.map((f) => f.observed));
    return { clock, batch, judged, recorded };
  }

  it('judges a minute only once the records held behind its partition are in, when batches failed while they arrived', async () => {
    let ends = new Map([[0, 20n]]);
    const { clock, batch, judged } = setup(() => ends);
    // Twenty events, caught up; then an outage: the next batches fail while ten more of the
    // minute arrive (the log end moves to 30), and the minute's close passes on the wall clock.
    batch(20, minute, 20n);
    ends = new Map([[0, 30n]]);
    await clock.tick(minute + MINUTE + 15_000);
    expect(judged()).toEqual([]);

    // The dependency is back: the ten are processed, and the minute is judged on all thirty.
    batch(10, minute + 20_000, 30n);
    await clock.tick(minute + MINUTE + 20_000);
    expect(judged()).toEqual([{ n: 30 }]);
  });

  it('goes on with the log ends last read when Kafka does not answer', async () => {
    let ends: Map<number, bigint> | undefined = new Map([[0, 25n]]);
    const { clock, batch, judged } = setup(() => ends);
    batch(20, minute, 20n);
    await clock.tick(minute + 5000);
    ends = undefined;
    await clock.tick(minute + MINUTE + 15_000);
    expect(judged()).toEqual([]);

    batch(5, minute + 20_000, 25n);
    await clock.tick(minute + MINUTE + 16_000);
    expect(judged()).toEqual([{ n: 25 }]);
  });

  it('keeps what it judged through a Redis outage, enqueues it once Redis is back, and logs the outage once', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let up = false;
    const { clock, batch, judged } = setup(() => new Map([[0, 20n]]), () => up);
    batch(20, minute, 20n);
    for (let s = 0; s < 10; s++) await clock.tick(minute + MINUTE + 15_000 + s * 1000);
    expect(judged()).toEqual([]);
    up = true;
    await clock.tick(minute + MINUTE + 30_000);
    expect(judged()).toEqual([{ n: 20 }]);
    expect(errors.mock.calls.map(([m]) => String(m))).toEqual(['enqueueing the alert jobs of rule timers failed: 1 jobs kept for the next tick: Reached the max retries per request limit']);
  });

  it('records the verdicts of judged windows apart from the alert jobs: a PostgreSQL outage holds back only them, until it ends', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let up = false;
    const { clock, batch, judged, recorded } = setup(() => new Map([[0, 20n]]), () => true, () => up);
    batch(20, minute, 20n);
    for (let s = 0; s < 5; s++) await clock.tick(minute + MINUTE + 15_000 + s * 1000);
    expect(judged()).toEqual([{ n: 20 }]);
    expect(recorded).toEqual([]);
    up = true;
    await clock.tick(minute + MINUTE + 30_000);
    await clock.tick(minute + MINUTE + 31_000);
    expect(recorded.map((v) => [v.ruleId, v.verdict, v.observed])).toEqual([['MINUTE', 'fail', { n: 20 }]]);
    expect(errors.mock.calls.map(([m]) => String(m))).toEqual(['recording the verdicts of rule timers failed: 1 verdicts kept for the next tick: connect ECONNREFUSED']);
  });
});
