import { cpus } from 'node:os';
import { deleteQueueKeys } from '@kanshi/testing';
import { round } from './bench-support';
import { runEngines } from './engine-run';
import type { BenchContext, Scenario, ScenarioResult } from './scenario';

/**
 * (8) Scale-out: two engine processes in one consumer group over the data set, against one.
 * The one-instance figure is the engine scenario's of this run when it ran on the same data set
 * (measured the same way), otherwise measured here first.
 */
export const scaleOutScenario: Scenario = {
  id: 'scale-out',
  title: 'Scale-out: two engine processes in one consumer group vs one',
  deadlineMs: ({ quick, events }) => (quick ? 180_000 : 240_000 + events),
  async run(context: BenchContext): Promise<ScenarioResult> {
    const dataset = await context.dataset();
    const notes: string[] = [];
    const settings: Record<string, string | number | boolean> = { ...dataset.settings, partitions: dataset.partitions.length };
    const prefixes: string[] = [];
    try {
      let one = context.results.get('engine')?.figures.find((f) => f.name === 'throughput')?.value;
      if (one === undefined) {
        const queuePrefix = `${context.runId}-scale1`;
        prefixes.push(queuePrefix);
        const single = await runEngines(context, dataset, { instances: 1, groupId: `${context.runId}-scale1`, queuePrefix, label: 'scale-out x1' });
        one = single.records / single.seconds;
        settings['oneInstanceSeconds'] = round(single.seconds, 2);
        notes.push('One instance: measured here (the engine scenario did not run in this run).');
      } else {
        notes.push('One instance: the engine scenario of this run (same data set, same method).');
      }
      const queuePrefix = `${context.runId}-scale2`;
      prefixes.push(queuePrefix);
      const two = await runEngines(context, dataset, { instances: 2, groupId: `${context.runId}-scale2`, queuePrefix, label: 'scale-out x2' });
      const withJoin = two.records / two.seconds;
      // Steady state needs enough records left once both have joined; a quick run may have none.
      const steady = two.steadyRecords >= two.records / 10 ? two.steadyRecords / two.steadySeconds : undefined;
      settings['events'] = two.records;
      settings['twoInstancesSeconds'] = round(two.seconds, 2);
      settings['twoInstancesSteadySeconds'] = round(two.steadySeconds, 2);
      settings['twoInstancesSteadyRecords'] = two.steadyRecords;
      settings['partitionsPerInstanceAtEnd'] = two.assignment.join('+');
      settings['instanceStartupMs'] = two.startupMs.join(',');
      notes.push(
        `The topic has ${dataset.partitions.length} partitions; this machine has ${cpus().length} cores shared by both engines, the broker, Redis and PostgreSQL: a second process adds a rebalance and contention, so this shows the overhead of scaling out, not a speed-up. On a larger cluster each instance brings its own cores.`,
        'Both instances start together. "two instances": from the moment the last one has joined (the group then holds both; its join and sync completed the rebalance) to every end offset committed, over the records committed in that time. "two instances incl. join": from the first one joining, so the rebalance when the second joins (up to a heartbeat interval, 3 s, plus the join) is included.',
      );
      if (steady === undefined) notes.push(`Too few records were left when both had joined (${two.steadyRecords}) for a steady figure: only the figure including the join is reported.`);
      const ratioBase = steady ?? withJoin;
      return {
        id: 'scale-out',
        title: this.title,
        figures: [
          { name: 'one instance', value: round(one), unit: 'events/s' },
          ...(steady === undefined ? [] : [{ name: 'two instances', value: round(steady), unit: 'events/s' }]),
          { name: 'two instances incl. join', value: round(withJoin), unit: 'events/s' },
          { name: 'ratio two/one', value: round(ratioBase / one, 3), unit: 'x' },
          ...two.peakRssMb.map((mb, i) => ({ name: `instance ${i + 1} peak RSS`, value: round(mb, 1), unit: 'MB', goal: { op: '<=' as const, value: 300 } })),
        ],
        settings,
        notes,
      };
    } finally {
      for (const prefix of prefixes) await deleteQueueKeys(context.config.values.redisUrl, prefix);
    }
  },
};
