/**
 * How far each partition's rule timers may run. A partition that is caught up runs on the wall
 * clock, so a window closes on time even when no more events come. A partition still reading a
 * backlog (after an outage, or a producer sending late) runs on the newest event time it has
 * read: an old window is judged only once the events after it have been read, on all of its
 * events, instead of on whatever the first batch of the backlog held.
 *
 * Caught up means that nothing waits behind what the partition has processed: neither at the
 * log end its last batch was fetched with, nor at the log end read from Kafka one read earlier
 * (the rule clock reads it every second). The second matters when batches fail or wait: through
 * an outage a partition processes nothing while records pile up behind a batch fetched before,
 * so its clock stops at its event time and resumes once the records held back are in. Comparing
 * with the read before the last lets a partition that keeps up with live traffic (records always
 * in flight, less than a read behind) stay on the wall clock.
 */
export class PartitionClocks {
  private readonly partitions = new Map<number, { eventTime: number; nextOffset: bigint; fetchedEnd: bigint }>();
  /** The log ends of the read before the last (the last one, after the first read). */
  private logEnds: ReadonlyMap<number, bigint> = new Map();
  private latestLogEnds: ReadonlyMap<number, bigint> | undefined;

  /**
   * After a batch: the newest event time in it (if any), the offset after its last record, and
   * the partition's log end when the batch was fetched.
   */
  record(partition: number, latestEventTime: number | null, nextOffset: bigint, fetchedEnd: bigint): void {
    const previous = this.partitions.get(partition);
    const eventTime = Math.max(previous?.eventTime ?? -Infinity, latestEventTime ?? -Infinity);
    this.partitions.set(partition, { eventTime, nextOffset, fetchedEnd });
  }

  /** The topic's log ends by partition, as just read from Kafka (a failed read is simply not reported). */
  observeLogEnds(ends: ReadonlyMap<number, bigint>): void {
    this.logEnds = this.latestLogEnds ?? ends;
    this.latestLogEnds = ends;
  }

  /** Whether records wait behind what the partition has processed; `undefined` for a partition with no batch on record. */
  isBehind(partition: number): boolean | undefined {
    const state = this.partitions.get(partition);
    if (!state) return undefined;
    const end = this.logEnds.get(partition);
    return state.nextOffset < state.fetchedEnd || (end !== undefined && state.nextOffset < end);
  }

  /**
   * Records behind the partition's log end as last read from Kafka (about a second old), after
   * what it has processed; `undefined` before its first batch here. Goes on growing while a
   * batch hangs or fails, unlike a figure taken at the end of each batch.
   */
  lagOf(partition: number): number | undefined {
    const state = this.partitions.get(partition);
    if (!state) return undefined;
    const end = this.latestLogEnds?.get(partition) ?? state.fetchedEnd;
    const behind = (end > state.fetchedEnd ? end : state.fetchedEnd) - state.nextOffset;
    return behind > 0n ? Number(behind) : 0;
  }

  /** The time up to which timers of `owner`'s rule state may fire, given the wall clock `now`. */
  clockOf(owner: number | undefined, now: number): number {
    const partition = owner === undefined ? undefined : this.partitions.get(owner);
    if (!partition || this.isBehind(owner as number) !== true) return now;
    return Math.min(now, partition.eventTime);
  }
}
