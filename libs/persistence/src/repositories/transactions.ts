import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from './notification.repository';

/**
 * Runs a flow in one database transaction: the flow (in the app's lib) decides with the pure
 * core, and the repositories' row methods it calls read and write inside the transaction given.
 */
@Injectable()
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
