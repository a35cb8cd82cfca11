/**
 * When `npm start` restarts an app that exited: a capped exponential backoff, forgotten once the
 * app has run long enough. Pure, so it is tested on a fake clock.
 */
export interface RestartPolicy {
  /** Wait before the first restart of a run of quick exits. */
  readonly firstDelayMs: number;
  /** Longest wait between restarts; the delay doubles up to this. */
  readonly maxDelayMs: number;
  /** An app that ran at least this long before exiting starts over at {@link firstDelayMs}. */
  readonly resetAfterMs: number;
}

/** 1 s doubling to 30 s, reset after a minute of uptime. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1000, maxDelayMs: 30_000, resetAfterMs: 60_000 };

/** What the supervisor remembers of an app between exits. */
export interface RestartState {
  /** Exits in a row, each after less than `resetAfterMs` of uptime. */
  readonly quickExits: number;
}

export const INITIAL_RESTART_STATE: RestartState = { quickExits: 0 };

export interface RestartDecision {
  readonly delayMs: number;
  /** How long the app ran before this exit. */
  readonly uptimeMs: number;
  readonly state: RestartState;
}

/** The wait before restarting an app that started at `startedAt` and exited at `exitedAt` (ms). */
export function planRestart(state: RestartState, startedAt: number, exitedAt: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const uptimeMs = Math.max(0, exitedAt - startedAt);
  const before = uptimeMs >= policy.resetAfterMs ? 0 : state.quickExits;
  // 2^before overflows to Infinity long after the cap; Math.min keeps the cap.
  const delayMs = Math.min(policy.firstDelayMs * 2 ** before, policy.maxDelayMs);
  return { delayMs, uptimeMs, state: { quickExits: before + 1 } };
}
