/** The part of `process` the hook uses, so it can be tested without sending real signals. */
export interface SignalTarget {
  readonly pid: number;
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  listenerCount(signal: NodeJS.Signals): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

export interface ShutdownHookOptions {
  /** Default `SIGINT` and `SIGTERM`. */
  readonly signals?: readonly NodeJS.Signals[];
  readonly onError?: (error: unknown) => void;
  readonly target?: SignalTarget;
}

export const DEFAULT_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * On the first of `signals`, closes the client (drains its queue, then disconnects). When no
 * other listener is left for the signal, it is raised again so the process ends as it would
 * have without the hook; a second signal while closing stops waiting. Returns a function that
 * removes the hook.
 */
export function flushOnShutdown(client: { close(): Promise<unknown> }, options: ShutdownHookOptions = {}): () => void {
  const signals = options.signals ?? DEFAULT_SHUTDOWN_SIGNALS;
  const target: SignalTarget = options.target ?? process;
  let closing = false;
  const uninstall = (): void => {
    for (const signal of signals) target.removeListener(signal, onSignal);
  };
  const raise = (signal: NodeJS.Signals): void => {
    uninstall();
    if (target.listenerCount(signal) === 0) target.kill(target.pid, signal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (closing) {
      raise(signal);
      return;
    }
    closing = true;
    client.close().then(
      () => raise(signal),
      (error: unknown) => {
        options.onError?.(error);
        raise(signal);
      },
    );
  }
  for (const signal of signals) target.on(signal, onSignal);
  return uninstall;
}
