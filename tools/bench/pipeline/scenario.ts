import type { AppConfig } from '@kanshi/config';

/** One figure of a scenario: a value with its unit, and the goal it is reported against. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The goal, e.g. `>= 50000` events/s or `< 100` ms; absent when none is set. */
  readonly goal?: { readonly op: '>=' | '<='; readonly value: number };
}

/** What a scenario measured, with what limited it and any caveat a reader needs. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly figures: readonly Figure[];
  /** Settings the figures depend on (event count, rates, partitions, instances …). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly notes: readonly string[];
}

/** What every scenario gets from the runner. */
export interface BenchContext {
  /** Small sizes and short runs: checks that the harness works; its figures mean nothing. */
  readonly quick: boolean;
  /** Events for the throughput scenarios (default 1,000,000; quick: a few thousand). */
  readonly events: number;
  /** Configuration of the servers (brokers, database, Redis) from the environment. */
  readonly config: AppConfig;
  /** A unique id for this run, for topics, consumer groups, queue prefixes and tenants. */
  readonly runId: string;
  /** Progress for the person watching, on stderr (long steps print every few seconds). */
  log(message: string): void;
  /** Results of scenarios already run in this run (a ratio to another scenario reads them). */
  readonly results: ReadonlyMap<string, ScenarioResult>;
  /**
   * Aborted when the scenario's deadline passes: stop waiting, stop the processes started,
   * clean up and throw. Long waits should take it (see `bench-support.ts`).
   */
  readonly signal: AbortSignal;
  /**
   * The run's shared data set, prepared by the first scenario that asks for it (later ones get
   * the same): `events` mixed events from `tools/bench/telemetry-mix.ts` on the real telemetry
   * topic, for bench tenants of this run whose models are in the inventory.
   */
  dataset(): Promise<BenchDataset>;
}

/** One partition's share of the data set: records at offsets `start` (included) to `end` (excluded). */
export interface PartitionRange {
  readonly partition: number;
  readonly start: string;
  readonly end: string;
}

/** Events pre-filled on the telemetry topic for this run (see {@link BenchContext.dataset}). */
export interface BenchDataset {
  readonly topic: string;
  readonly events: number;
  /** Mean size of a record's value (the event's JSON), bytes. */
  readonly meanValueBytes: number;
  /** Bench tenants of this run; every model of the mix is in their inventory. */
  readonly tenants: readonly string[];
  /** Per partition; a consumer group set to the starts and stopped at the ends reads exactly the data set. */
  readonly partitions: readonly PartitionRange[];
  /** Events the generator made break a rule (about 1%). */
  readonly violating: number;
  /** How it was produced, for the result's settings. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

/** One benchmark scenario: bounded in time and size, stops by itself, cleans up after itself. */
export interface Scenario {
  /** Short id, e.g. `ceiling`, `engine`, `naive-handler`, `latency`, `alert-path`, `micro`, `scale-out`. */
  readonly id: string;
  readonly title: string;
  /**
   * Longest the scenario may run (ms), not counting the data set's preparation; then its
   * `signal` is aborted and it is recorded as failed. Default: 2 minutes (quick), 10 (full).
   */
  deadlineMs?(context: Pick<BenchContext, 'quick' | 'events'>): number;
  run(context: BenchContext): Promise<ScenarioResult>;
}

/**
 * Thrown by a scenario that cannot run on this machine (a peer system that cannot be installed):
 * it is reported as skipped, with the reason, and does not fail the run.
 */
export class ScenarioSkipped extends Error {
  override readonly name = 'ScenarioSkipped';
}
