/**
 * How far each partition's rule timers may run. A partition that is caught up runs on the wall
 * clock, so a window closes on time even when no more events come. A partition still reading a
 * backlog (after an outage, or a producer sending late) runs on the newest event time it has
 * read: an old window is judged only once the events after it have been read, on all of its
 * events, instead of on whatever the first batch of the backlog held.
 */
export class PartitionClocks {
  private readonly partitions = new Map<number, { eventTime: number; caughtUp: boolean }>();

  /** After a batch: the newest event time in it (if any), and whether it reached the log end. */
  record(partition: number, latestEventTime: number | null, caughtUp: boolean): void {
    const previous = this.partitions.get(partition);
    const eventTime = Math.max(previous?.eventTime ?? -Infinity, latestEventTime ?? -Infinity);
    this.partitions.set(partition, { eventTime, caughtUp });
  }

  /** The time up to which timers of `owner`'s rule state may fire, given the wall clock `now`. */
  clockOf(owner: number | undefined, now: number): number {
    const partition = owner === undefined ? undefined : this.partitions.get(owner);
    if (!partition || partition.caughtUp) return now;
    return Math.min(now, partition.eventTime);
  }
}
