/** How long a partition's batches may fail, one batch run, or its records wait unread, before the engine is not ready. */
export const STUCK_AFTER_MS = 60_000;

interface PartitionProgress {
  /** When it was assigned to this instance (epoch ms). */
  readonly since: number;
  /** When a batch of it last went through. */
  doneAt: number | undefined;
  /** When the batch now running started; `undefined` between batches. */
  runningSince: number | undefined;
  /** Since when every attempt of its batch has failed. */
  failingSince: number | undefined;
}

/**
 * Where the engine's consumer stands, partition by partition: whether it is a member of its
 * group, which telemetry partitions it holds, and when each one's batches started, failed and
 * went through. Readiness is judged on it ({@link unreadiness}). Pure apart from the times given.
 */
export class ConsumerProgress {
  private member = false;
  private readonly byPartition = new Map<number, PartitionProgress>();

  /** The group gave this instance these partitions (`member` false: it left the group, stopped or crashed). */
  assigned(partitions: readonly number[], member: boolean, now: number): void {
    const held = new Set(partitions);
    for (const partition of this.byPartition.keys()) if (!held.has(partition)) this.byPartition.delete(partition);
    for (const partition of held) {
      if (!this.byPartition.has(partition)) this.byPartition.set(partition, { since: now, doneAt: undefined, runningSince: undefined, failingSince: undefined });
    }
    this.member = member;
  }

  /** How many partitions it holds now. */
  get held(): number {
    return this.byPartition.size;
  }

  /** The partitions it holds now. */
  partitions(): IterableIterator<number> {
    return this.byPartition.keys();
  }

  /** Whether the partition is held (a batch that ends after it moved must not report on it). */
  holds(partition: number): boolean {
    return this.byPartition.has(partition);
  }

  batchStarted(partition: number, now: number): void {
    const progress = this.byPartition.get(partition);
    if (progress) progress.runningSince = now;
  }

  batchEnded(partition: number, ok: boolean, now: number): void {
    const progress = this.byPartition.get(partition);
    if (!progress) return;
    progress.runningSince = undefined;
    if (ok) {
      progress.doneAt = now;
      progress.failingSince = undefined;
    } else {
      progress.failingSince ??= now;
    }
  }

  /**
   * Why the engine is not ready, or `undefined` when it is: it must be a member of its group, and
   * none of its partitions stuck: every batch failing for `stuckAfterMs`, one batch running as
   * long (a call that never returns), or records waiting unread as long (`isBehind`: by the log
   * end read from Kafka). A member holding no partition is ready: a group with more members than
   * partitions keeps the spare ones idle, to take over.
   */
  unreadiness(now: number, isBehind: (partition: number) => boolean | undefined, stuckAfterMs = STUCK_AFTER_MS): string | undefined {
    if (!this.member) return 'not a member of its consumer group (joining, stopped or crashed)';
    const seconds = (since: number) => Math.round((now - since) / 1000);
    for (const [partition, p] of this.byPartition) {
      if (p.failingSince !== undefined && now - p.failingSince >= stuckAfterMs) return `partition ${partition}: every batch has failed for ${seconds(p.failingSince)} s`;
      if (p.runningSince !== undefined && now - p.runningSince >= stuckAfterMs) return `partition ${partition}: a batch has run for ${seconds(p.runningSince)} s`;
      const idleSince = p.doneAt ?? p.since;
      if (isBehind(partition) === true && p.runningSince === undefined && now - idleSince >= stuckAfterMs) {
        return `partition ${partition}: records wait and no batch went through for ${seconds(idleSince)} s`;
      }
    }
    return undefined;
  }
}
