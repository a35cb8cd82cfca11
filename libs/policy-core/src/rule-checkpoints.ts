import type { RuleStateRecord } from '@kanshi/policy-sdk';
import type { PolicyEvaluator } from './policy-evaluator';

/** Where the engine checkpoints rule state with the offsets it covers (PostgreSQL in production). */
export interface RuleStateStore {
  load(group: string, topic: string, partition: number): Promise<{ nextOffset: string | null; records: RuleStateRecord[] }>;
  save(group: string, topic: string, partition: number, nextOffset: string, records: readonly RuleStateRecord[]): Promise<void>;
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
 */
export class RuleCheckpoints {
  /** Partition → the assignment it was loaded for, and the next offset the state covers. */
  private readonly loaded = new Map<string, { assignment: number; nextOffset: bigint | null }>();

  constructor(
    private readonly store: RuleStateStore,
    private readonly evaluator: PolicyEvaluator,
    private readonly group: string,
  ) {}

  /**
   * Loads the partition's state if this assignment has not yet, and returns the first offset
   * not yet counted (`null`: everything is new).
   */
  async resume(topic: string, partition: number, assignment: number): Promise<bigint | null> {
    const key = `${topic}:${partition}`;
    const current = this.loaded.get(key);
    if (current?.assignment === assignment) return current.nextOffset;
    const { nextOffset, records } = await this.store.load(this.group, topic, partition);
    this.evaluator.runtime.forget((_tenant, _model, owner) => owner === partition);
    this.evaluator.runtime.restore(records.map((r) => ({ ...r, owner: partition })));
    const next = nextOffset === null ? null : BigInt(nextOffset);
    this.loaded.set(key, { assignment, nextOffset: next });
    return next;
  }

  /** Checkpoints what the partition's events changed, with the offset after the batch. */
  async save(topic: string, partition: number, nextOffset: bigint): Promise<void> {
    const records = this.evaluator.runtime.takeChanges(partition);
    try {
      await this.store.save(this.group, topic, partition, nextOffset.toString(), records);
    } catch (error) {
      // Not saved: the batch is redelivered from the previous checkpoint, so reload then.
      this.loaded.delete(`${topic}:${partition}`);
      throw error;
    }
    const entry = this.loaded.get(`${topic}:${partition}`);
    if (entry) entry.nextOffset = nextOffset;
  }
}
