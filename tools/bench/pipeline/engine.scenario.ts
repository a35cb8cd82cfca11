import { deleteQueueKeys } from '@kanshi/testing';
import { round } from './bench-support';
import { countQueuedAlerts, CPU_PER_EVENT, cpuPerEventUs, engineRunSettings, runEngines } from './engine-run';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';

/**
 * (2) Kanshi: the built policy engine (`node dist/apps/policy-engine/src/main.js`) consumes the
 * data set in a fresh consumer group (validate, route, evaluate every module, enqueue alert
 * jobs, checkpoint, commit). Its queue prefix is the run's own and no worker drains it, so the
 * alert jobs it made can be counted afterwards. Also (7): the engine's peak RSS.
 */
export const engineScenario: Scenario = {
  id: 'engine',
  title: 'Kanshi policy engine (one process) over the data set',
  deadlineMs: ({ quick, events }) => (quick ? 120_000 : 180_000 + events / 2),
  async run(context: BenchContext): Promise<ScenarioResult> {
    const dataset = await context.dataset();
    const groupId = `${context.runId}-engine`;
    const queuePrefix = `${context.runId}-engine`;
    try {
      const run = await runEngines(context, dataset, { instances: 1, groupId, queuePrefix, label: 'engine' });
      const queued = await countQueuedAlerts(context.config.values.redisUrl, queuePrefix);
      const throughput = run.records / run.seconds;
      const ceiling = context.results.get('ceiling')?.figures.find((f) => f.name === 'throughput')?.value;
      const figures: Figure[] = [
        { name: 'throughput', value: round(throughput), unit: 'events/s', goal: { op: '>=', value: 50_000 } },
        ...(ceiling === undefined ? [] : [{ name: 'ratio to ceiling', value: round(throughput / ceiling, 3), unit: 'x', goal: { op: '>=' as const, value: 0.7 } }]),
        // The same figure the tracing scenario reports, for its CPU ratio.
        { name: CPU_PER_EVENT, value: round(cpuPerEventUs(run), 1), unit: 'µs' },
        { name: 'findings', value: queued.findings, unit: 'findings' },
        { name: 'alert jobs', value: queued.jobs, unit: 'jobs' },
        { name: 'engine peak RSS', value: round(run.peakRssMb[0] ?? 0, 1), unit: 'MB', goal: { op: '<=', value: 300 } },
      ];
      return {
        id: 'engine',
        title: this.title,
        figures,
        settings: engineRunSettings(dataset, run, groupId, queuePrefix),
        notes: [
          'Timed from the engine printing "Nest microservice successfully started" (its consumer has joined the group; the first fetch follows at once) to the poll (every 100 ms) that saw every end offset committed.',
          `Findings: counted in the alert jobs left in ${queuePrefix}:alerts (no worker ran); ${queued.raiseJobs} raises in ${queued.raiseSets} set jobs, ${queued.clearJobs} clear jobs. The generator made ${dataset.violating} events break a rule; a rule may fire on several events (windows, timers) or once per fingerprint.`,
          ceiling === undefined ? 'No ratio: the ceiling scenario did not run (or failed) in this run.' : 'Ratio: to the ceiling scenario of this run, on the same records.',
          'Peak RSS: the kernel high-water mark (VmHWM) of the engine process, also sampled (VmRSS) every 500 ms.',
          "CPU per event: the engine's user + system CPU over the timed window (after every engine was ready), per record committed in it.",
        ],
      };
    } finally {
      await deleteQueueKeys(context.config.values.redisUrl, queuePrefix);
    }
  },
};
