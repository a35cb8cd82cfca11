import { describeIssues, type DeadLetterReason, type ValidationIssue } from '@kanshi/contracts';

/**
 * An event the contract refuses, thrown before it is queued. `issues` are the contract's own
 * `{ pointer, rule, message, expected? }`, the same Kanshi would put on the dead letter.
 */
export class TelemetryValidationError extends Error {
  override readonly name = 'TelemetryValidationError';

  constructor(
    readonly reason: DeadLetterReason,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`${reason}: ${describeIssues(issues)}`);
  }
}

/** The message of anything thrown, also across realms (test sandboxes), where `instanceof Error` fails. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** `send()` after `close()` began. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** `send()` while `maxQueuedEvents` are waiting; await `waitForCapacity()` first. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/**
 * A transport failure worth trying again (network error, broker or gateway unavailable, 429,
 * 5xx). `retryAfterMs` is the server's own hint (`Retry-After`), when it gave one.
 */
export class RetryableTransportError extends Error {
  override readonly name = 'RetryableTransportError';

  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A transport failure that another attempt would not fix (bad API key, wrong role, a request
 * the gateway refuses as a whole). `batchTooLarge` asks the client to split the batch and
 * send the halves.
 */
export class TerminalTransportError extends Error {
  override readonly name = 'TerminalTransportError';

  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; batchTooLarge?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.batchTooLarge = options?.batchTooLarge === true;
  }

  readonly batchTooLarge: boolean;
}
