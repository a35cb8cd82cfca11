import { RpcException } from '@nestjs/microservices';

/** How a failing batch is retried: doubling waits from `initialMs`, never longer than `maxMs`. */
export interface BatchRetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Short enough that a batch goes through within a few seconds of a database, Redis or Kafka
 * coming back; long enough not to hammer a dependency that is down.
 */
export const BATCH_RETRY: BatchRetryPolicy = { initialMs: 250, maxMs: 5000 };

/**
 * The wait before attempt `attempt + 1` (the first retry follows attempt 1): doubling, capped,
 * with up to 20% taken off at random (`random` in [0, 1)) so that partitions failing together
 * do not retry in lockstep.
 */
export function batchRetryDelay(attempt: number, policy: BatchRetryPolicy = BATCH_RETRY, random: number = Math.random()): number {
  const doubled = policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(policy.maxMs, doubled);
  return Math.round(capped * (1 - 0.2 * random));
}

/** Errors after which this member must rejoin the group (kafkajs handles them when they reach it). */
export function needsRejoin(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}

/**
 * The error to hand kafkajs when this member must rejoin. kafkajs 2.2.4 rejoins after
 * REBALANCE_IN_PROGRESS with its old member id, and after UNKNOWN_MEMBER_ID as a new member;
 * rejoining with an id the coordinator has dropped (ILLEGAL_GENERATION after a long outage)
 * fails for good and stops the consumer. So a member error becomes UNKNOWN_MEMBER_ID: a fresh
 * join always works. Other errors pass through unchanged.
 */
export function rejoinError(error: unknown): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  if (type !== 'ILLEGAL_GENERATION' && type !== 'UNKNOWN_MEMBER_ID') return error;
  return Object.assign(new Error(`rejoining the consumer group: ${error instanceof Error ? error.message : String(type)}`), { type: 'UNKNOWN_MEMBER_ID', retriable: true });
}

/** Why an attempt at a batch failed, as the transport logs it. */
export interface BatchFailureReason {
  readonly message: string;
  readonly stack?: string;
}

/**
 * What a batch handler throws when it fails, so that the failure reaches the transport's log
 * (every attempt at first, then every tenth, through an outage of hours) with its reason. Any
 * other error passes Nest's exception handler, which logs it with a stack at every attempt and
 * hands the transport only "Internal server error".
 */
export function batchFailure(error: unknown): RpcException {
  const reason: BatchFailureReason = error instanceof Error ? { message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) } : { message: String(error) };
  return new RpcException({ status: 'error', ...reason });
}

/** The reason of a failed attempt: what {@link batchFailure} carried, an error's message, or the value itself. */
export function batchFailureReason(error: unknown): BatchFailureReason {
  if (error instanceof Error) return { message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  const carried = error as { message?: unknown; stack?: unknown } | null;
  if (typeof carried?.message === 'string') return { message: carried.message, ...(typeof carried.stack === 'string' ? { stack: carried.stack } : {}) };
  return { message: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error) };
}
