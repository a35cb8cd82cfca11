import type { Consumer, EachBatchPayload } from 'kafkajs';

/** What a batch handler of {@link runBoundedRead} may do with the read. */
export interface BoundedRead {
  /** Ends the read: done, or failed with `error`. */
  finish(error?: unknown): void;
  /** Whether the read has ended (a batch handled after that is ignored). */
  readonly settled: boolean;
  /** Records progress: the read fails only after `idleTimeoutMs` without any. */
  progress(): void;
}

/**
 * Runs an already subscribed consumer until a batch handler calls `finish`, the consumer
 * crashes for good, or nothing progresses for `idleTimeoutMs` (the error then says `idle()`).
 * `started` runs once `run` has begun (seeks and pauses given then apply on assignment). A
 * handler that throws ends the read with its error: kafkajs never retries the batch, so a read
 * that writes (a replay) cannot write twice. Commits nothing.
 */
export async function runBoundedRead(
  consumer: Consumer,
  options: { readonly idleTimeoutMs: number; readonly idle: () => string },
  handle: (payload: EachBatchPayload, read: BoundedRead) => Promise<void>,
  started: (read: BoundedRead) => void,
): Promise<void> {
  let guard: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let lastProgress = Date.now();
      const read = {
        settled: false,
        finish(error?: unknown): void {
          if (read.settled) return;
          read.settled = true;
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        progress(): void {
          lastProgress = Date.now();
        },
      };
      guard = setInterval(() => {
        if (Date.now() - lastProgress > options.idleTimeoutMs) read.finish(new Error(options.idle()));
      }, Math.min(1000, options.idleTimeoutMs));
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) read.finish(event.payload.error);
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async (payload) => {
            if (read.settled) return;
            try {
              await handle(payload, read);
            } catch (error) {
              read.finish(error);
            }
          },
        })
        .then(() => started(read))
        .catch((error: unknown) => read.finish(error));
    });
  } finally {
    clearInterval(guard);
  }
}
