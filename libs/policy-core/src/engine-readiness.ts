import type { EngineMetrics } from './engine-metrics';

/** What the engine's readiness is judged on, as {@link EngineMetrics} keeps it. */
export interface ConsumerState {
  /** A member of its consumer group now (joined, not stopped or crashed). */
  readonly member: boolean;
  /** Partitions of the telemetry topic it holds. */
  readonly held: number;
  /** Records behind the high watermarks of its partitions after their last batches. */
  readonly behind: number;
  /** When a batch last went through (epoch ms). */
  readonly lastBatchAt: number | undefined;
  /** Since when every batch attempt has failed (epoch ms); `undefined` while they go through. */
  readonly failingSince: number | undefined;
}

/** How long batches may fail, or records wait with no batch handled, before the engine is not ready. */
export const STUCK_AFTER_MS = 60_000;

/**
 * Why the engine is not ready, or `undefined` when it is: it must be a member of its group, and
 * not stuck: batches failing for {@link STUCK_AFTER_MS}, or records waiting on its partitions
 * with no batch handled for as long. A member holding no partition is ready (a group with more
 * members than partitions keeps the spare ones idle, to take over). Pure.
 */
export function consumerUnreadiness(state: ConsumerState, now: number, stuckAfterMs = STUCK_AFTER_MS): string | undefined {
  if (!state.member) return 'not a member of its consumer group (joining, stopped or crashed)';
  if (state.failingSince !== undefined && now - state.failingSince >= stuckAfterMs) {
    return `every batch has failed for ${Math.round((now - state.failingSince) / 1000)} s`;
  }
  const idleFor = state.lastBatchAt === undefined ? undefined : now - state.lastBatchAt;
  if (state.held > 0 && state.behind > 0 && idleFor !== undefined && idleFor >= stuckAfterMs) {
    return `${state.behind} records wait on its ${state.held} partitions and no batch went through for ${Math.round(idleFor / 1000)} s`;
  }
  return undefined;
}

/** The readiness check of the engine's consumer (`GET /health/ready` of its operations port). */
export function consumerHealthCheck(metrics: EngineMetrics, now: () => number = Date.now) {
  return {
    name: 'consumer',
    check: (): Promise<void> => {
      const reason = consumerUnreadiness(metrics.consumerState(), now());
      return reason === undefined ? Promise.resolve() : Promise.reject(new Error(reason));
    },
  };
}
