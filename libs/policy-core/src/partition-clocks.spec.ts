import { CountWindow, defineRule, durationMs, modelProfile, SectorModule, Type } from '@kanshi/policy-sdk';
import { telemetryEvent } from '@kanshi/testing';
import { PartitionClocks } from './partition-clocks';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';
import { SectorModuleRegistry } from './sector-module-registry';

const HOUR = durationMs('1h');
const LATENESS = durationMs('5m');

/** Counts predictions per hour and reports every judged hour, to see when and on what it was judged. */
const hourly = defineRule({
  id: 'HOURLY',
  title: 'Hourly count',
  rationale: 'test',
  source: 'test',
  defaultSeverity: 'low',
  reads: ['prediction'],
  args: Type.Object({}),
  initialState: () => CountWindow.create('1h', '3h'),
  evaluate: ({ time, state, timers }) => {
    CountWindow.add(state, time, { n: 1 });
    timers.set(`close:${CountWindow.bucketStart(state, time)}`, CountWindow.bucketEnd(state, time) + LATENESS);
    return undefined;
  },
  onTimer: ({ timer, state }) => {
    const start = timer.at - LATENESS - HOUR;
    return { observed: CountWindow.bucket(state, start)['n'] ?? 0, occurrence: new Date(start).toISOString() };
  },
});

@SectorModule({ id: 'hourly', description: 'test', sectors: 'all', rules: [hourly], compatibility: '^0.2.0' })
class HourlyModule {}

describe('PartitionClocks with the rule timers', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const pastHour = Date.parse('2026-11-24T08:00:00Z');

  function setup() {
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([HourlyModule]));
    const clocks = new PartitionClocks();
    const found = new FindingCollector();
    const send = (count: number, from: number, partition = 0, modelId = 'm') => {
      let latest = 0;
      for (let i = 0; i < count; i++) {
        const event = telemetryEvent({ tenant_id: 't', model_id: modelId, timestamp: new Date(from + i * 1000).toISOString() });
        // Rules with state judge only models in the inventory.
        evaluator.evaluate(event, modelProfile({ tenantId: 't', modelId }), found, partition);
        latest = Math.max(latest, Date.parse(event.timestamp));
      }
      return latest;
    };
    const tick = () => evaluator.tick(now, () => undefined, found, (owner) => clocks.clockOf(owner, now));
    const judged = () => found.output.findings.map((f) => [f.modelId, f.occurrence, f.observed]);
    return { clocks, send, tick, judged };
  }

  it('judges an old hour read in several batches of a backlog once, on all of its events', () => {
    const { clocks, send, tick, judged } = setup();
    clocks.record(0, send(10, pastHour), 10n, 1000n);
    tick();
    expect(judged()).toEqual([]);

    clocks.record(0, send(20, pastHour + 600_000), 30n, 1000n);
    tick();
    expect(judged()).toEqual([]);

    // The backlog reaches events past the hour's close: now it is judged, with all 30.
    clocks.record(0, send(1, pastHour + HOUR + LATENESS + 1), 31n, 1000n);
    tick();
    expect(judged()).toEqual([['m', '2026-11-24T08:00:00.000Z', 30]]);
  });

  it('runs on the wall clock once the partition is caught up, so a quiet hour still closes', () => {
    const { clocks, send, tick, judged } = setup();
    clocks.record(0, send(5, pastHour), 5n, 5n);
    tick();
    expect(judged()).toEqual([['m', '2026-11-24T08:00:00.000Z', 5]]);
  });

  it('stops on its event time while records wait behind the last batch, though that batch reached the end it was fetched with', () => {
    const { clocks, send, tick, judged } = setup();
    // The last batch went through and ended at its log end; then batches failed (an outage)
    // while more records of the hour arrived behind it: the log end read from Kafka says so.
    clocks.record(0, send(5, pastHour), 5n, 5n);
    clocks.observeLogEnds(new Map([[0, 9n]]));
    expect(clocks.isBehind(0)).toBe(true);
    tick();
    expect(judged()).toEqual([]);

    // The dependency is back: the four held back are read, and the hour is judged on all nine.
    clocks.record(0, send(4, pastHour + 5000), 9n, 9n);
    expect(clocks.isBehind(0)).toBe(false);
    tick();
    expect(judged()).toEqual([['m', '2026-11-24T08:00:00.000Z', 9]]);
  });

  it('stays on the wall clock while it keeps up with live traffic: records in flight, but less than a read behind', () => {
    const { clocks } = setup();
    clocks.observeLogEnds(new Map([[0, 5n]]));
    clocks.record(0, pastHour, 5n, 5n);
    // One more record arrived since the last read; everything of the read before is processed.
    clocks.observeLogEnds(new Map([[0, 6n]]));
    expect(clocks.clockOf(0, now)).toBe(now);
    // A read later that record is still not processed: the partition is behind.
    clocks.observeLogEnds(new Map([[0, 7n]]));
    expect(clocks.clockOf(0, now)).toBe(pastHour);
    clocks.record(0, null, 7n, 7n);
    expect(clocks.clockOf(0, now)).toBe(now);
  });

  it('keeps partitions apart, and runs unknown partitions on the wall clock', () => {
    const { clocks, send, tick, judged } = setup();
    clocks.record(0, send(3, pastHour, 0, 'behind'), 3n, 10n);
    send(4, pastHour, 1, 'unseen');
    tick();
    // Partition 0 is behind its log end; partition 1 has no batch on record and runs on the wall clock.
    expect(judged()).toEqual([['unseen', '2026-11-24T08:00:00.000Z', 4]]);
    expect(clocks.clockOf(undefined, now)).toBe(now);
    expect(clocks.clockOf(7, now)).toBe(now);
  });
});
