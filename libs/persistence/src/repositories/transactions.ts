import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from './notification.repository';

/** Times a transaction is tried when the database breaks a deadlock it was part of. */
const DEADLOCK_RETRIES = 5;

/** PostgreSQL's `deadlock_detected` (SQLSTATE 40P01), as TypeORM passes it on. */
export function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } } | null)?.driverError?.code ?? (error as { code?: unknown } | null)?.code;
  return code === '40P01';
}

/**
 * Runs `attempt` (one whole transaction) again, at once and a few times, when the database
 * breaks a deadlock by rolling it back; any other error, or the last deadlock, is thrown. Safe
 * because a rolled-back transaction left nothing behind: `attempt` must have no effect outside it.
 */
export async function retryDeadlocks<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDeadlock(error) || tries >= DEADLOCK_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * tries)));
    }
  }
}

/**
 * Runs a flow in one database transaction: the flow (in the app's lib) decides with the pure
 * core, and the repositories' row methods it calls read and write inside the transaction given.
 * A transaction the database rolls back to break a deadlock is run again (see
 * {@link retryDeadlocks}), so `work` must only touch the database through `tx`.
 */
@Injectable()
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return retryDeadlocks(() => this.dataSource.transaction(work));
  }
}
