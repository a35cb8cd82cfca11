import { Logger } from '@nestjs/common';
import type { RuleStateKey, RuleStateRecord, SerializedRuleState } from '@kanshi/policy-sdk';
import type { PolicyEvaluator } from './policy-evaluator';
import type { RepartitionMarks } from './telemetry-batch.processor';

/** What one checkpoint of a partition writes besides its offset: changed records, and records to delete. */
export interface RuleStateChanges {
  /** Changed state records, state and timers encoded as JSON (each within the size limit). */
  readonly records: readonly SerializedRuleState[];
  /** Records dropped from memory (idle, or over the size limit): deleted in the same transaction. */
  readonly deleted: readonly RuleStateKey[];
  /** The partition's repartition marks, when they changed since the last save. */
  readonly repartitionMarks?: Readonly<Record<string, string>>;
}

/** Where the engine checkpoints rule state with the offsets it covers (PostgreSQL in production). */
export interface RuleStateStore {
  load(group: string, topic: string, partition: number): Promise<{ nextOffset: string | null; records: RuleStateRecord[]; repartitionMarks?: Record<string, string> }>;
  /** Writes the changes and the next offset atomically: all of them, or none. */
  save(group: string, topic: string, partition: number, nextOffset: string, changes: RuleStateChanges): Promise<void>;
}

/** Injection token of the {@link RuleStateStore}. */
export const RULE_STATE_STORE = Symbol('RULE_STATE_STORE');

/**
 * Rule state per partition, checkpointed with the partition's offsets so that windows survive
 * a restart or a partition moving to another instance and never count an event twice.
 *
 * The store's offset is the truth: Kafka's committed offset trails it (it is committed after the
 * checkpoint), so records below the checkpoint are redelivered after a crash and skipped here.
 * On a (re)assignment the partition's state is reloaded from the store before its first batch.
 *
 * Each checkpoint also keeps the partition's state bounded: state idle by the partition's event
 * time (never later than the wall clock) is dropped and its rows deleted, and a state record
 * over the size limit is logged as that rule's failure, dropped and deleted; both in the same
 * transaction as the offset, so memory and the store never disagree and no record can make the
 * checkpoint fail.
 */
export class RuleCheckpoints {
  private readonly logger = new Logger(RuleCheckpoints.name);
  /** Partition → the assignment it was loaded for, the next offset the state covers, and its repartition marks. */
  private readonly loaded = new Map<string, { assignment: number; nextOffset: bigint | null; marks: RepartitionMarks; savedMarks: string }>();

  constructor(
    private readonly store: RuleStateStore,
    private readonly evaluator: PolicyEvaluator,
    private readonly group: string,
    /** The wall clock (a test passes a fake one). */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Loads the partition's state if this assignment has not yet, and returns the first offset
   * not yet counted (`null`: everything is new).
   */
  async resume(topic: string, partition: number, assignment: number): Promise<bigint | null> {
    const key = `${topic}:${partition}`;
    const current = this.loaded.get(key);
    if (current?.assignment === assignment) return current.nextOffset;
    const { nextOffset, records, repartitionMarks } = await this.store.load(this.group, topic, partition);
    this.evaluator.runtime.forget((_tenant, _model, owner) => owner === partition);
    this.evaluator.runtime.restore(records.map((r) => ({ ...r, owner: partition })));
    const next = nextOffset === null ? null : BigInt(nextOffset);
    const marks: RepartitionMarks = new Map(Object.entries(repartitionMarks ?? {}).map(([mark, offset]) => [mark, BigInt(offset)]));
    this.loaded.set(key, { assignment, nextOffset: next, marks, savedMarks: marksText(marks) });
    return next;
  }

  /**
   * The repartition marks of a partition loaded by {@link resume}: the processor updates them as
   * it counts moved records, and {@link save} checkpoints them with the state.
   */
  marksOf(topic: string, partition: number): RepartitionMarks {
    const entry = this.loaded.get(`${topic}:${partition}`);
    if (!entry) throw new Error(`partition ${topic}:${partition} was not resumed`);
    return entry.marks;
  }

  /**
   * Forgets what is held for the partition, so that the next {@link resume} reloads its last
   * checkpoint: a batch that failed half-way must not count its events twice when it is retried.
   * Its rule state goes from memory at once: until the reload (which waits for the store through
   * an outage), no timer is judged on the events of the failed attempt.
   */
  invalidate(topic: string, partition: number): void {
    this.loaded.delete(`${topic}:${partition}`);
    this.evaluator.runtime.forget((_tenant, _model, owner) => owner === partition);
  }

  /** Checkpoints what the partition's events changed, with the offset after the batch. */
  async save(topic: string, partition: number, nextOffset: bigint): Promise<void> {
    const { runtime } = this.evaluator;
    // Idle is measured in the partition's event time, held back to the wall clock so that one
    // event stamped in the future cannot make every other model's state look idle.
    const clock = Math.min(this.now(), runtime.eventTimeOf(partition) ?? Number.NaN);
    const { records, deleted, failures } = runtime.takeCheckpoint(partition, clock);
    for (const failure of failures) {
      this.logger.error(`rule ${failure.ruleId} of module "${failure.moduleId}" failed on ${failure.trigger}: ${String(failure.error)}`);
    }
    const entry = this.loaded.get(`${topic}:${partition}`);
    const marks = entry ? marksText(entry.marks) : undefined;
    const repartitionMarks = entry && marks !== entry.savedMarks ? Object.fromEntries([...entry.marks].map(([mark, offset]) => [mark, offset.toString()])) : undefined;
    try {
      await this.store.save(this.group, topic, partition, nextOffset.toString(), { records, deleted, ...(repartitionMarks ? { repartitionMarks } : {}) });
    } catch (error) {
      // Not saved: the batch is redelivered from the previous checkpoint, so reload then.
      this.loaded.delete(`${topic}:${partition}`);
      throw error;
    }
    if (entry) {
      entry.nextOffset = nextOffset;
      if (marks !== undefined) entry.savedMarks = marks;
    }
  }
}

/** A comparable text of the marks, to tell whether they changed since the last save. */
function marksText(marks: RepartitionMarks): string {
  return [...marks].map(([mark, offset]) => `${mark}=${offset}`).sort().join('\n');
}
