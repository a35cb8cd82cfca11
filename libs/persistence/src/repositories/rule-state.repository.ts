import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RuleStateKey, RuleStateRecord, SerializedRuleState } from '@kanshi/policy-sdk';

/** The engine's checkpoint of one partition: rule state and the next offset it covers. */
export interface PartitionCheckpoint {
  /** Next offset to process; `null` when the partition was never checkpointed. */
  readonly nextOffset: string | null;
  readonly records: RuleStateRecord[];
  /** Highest source offset counted of the records moved here, by `tenant/source partition`. */
  readonly repartitionMarks: Record<string, string>;
}

/** What one checkpoint writes besides the offset (see `RuleStateChanges` in policy-core). */
export interface RuleStateWrite {
  /** Changed records, state and timers already encoded as JSON. */
  readonly records: readonly SerializedRuleState[];
  /** Records to delete (idle, or reset over the size limit). */
  readonly deleted: readonly RuleStateKey[];
  /** The partition's repartition marks, when they changed (otherwise the stored ones stay). */
  readonly repartitionMarks?: Readonly<Record<string, string>>;
}

/**
 * Most characters of JSON bound to one statement: a checkpoint of many large states is written
 * in several statements of the same transaction, never one parameter near PostgreSQL's limits.
 */
const MAX_STATEMENT_JSON = 8 * 1024 * 1024;

/** Groups encoded items into JSON arrays of at most {@link MAX_STATEMENT_JSON} characters each (one item may exceed it alone). */
function jsonArrays(items: readonly string[]): string[] {
  const arrays: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const item of items) {
    if (current.length > 0 && length + item.length > MAX_STATEMENT_JSON) {
      arrays.push(`[${current.join(',')}]`);
      current = [];
      length = 0;
    }
    current.push(item);
    length += item.length + 1;
  }
  if (current.length > 0) arrays.push(`[${current.join(',')}]`);
  return arrays;
}

function keyJson(r: RuleStateKey): string {
  return `{"tenant_id":${JSON.stringify(r.tenantId)},"model_id":${JSON.stringify(r.modelId)},"rule_id":${JSON.stringify(r.ruleId)}`;
}

/**
 * Rule state checkpoints in PostgreSQL. State, deletions and offset are written in one
 * transaction, so after a crash the engine resumes from exactly the events its state already
 * counts, and holds exactly the state it held.
 */
@Injectable()
export class RuleStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint> {
    const [offsets, rows] = await Promise.all([
      this.dataSource.query<{ next_offset: string; repartition_marks: Record<string, string> }[]>(
        'SELECT next_offset::text AS next_offset, repartition_marks FROM engine_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3',
        [group, topic, partition],
      ),
      this.dataSource.query<{ tenant_id: string; model_id: string; rule_id: string; state: unknown; timers: Record<string, number>; touched_at: string | null }[]>(
        'SELECT tenant_id, model_id, rule_id, state, timers, touched_at FROM rule_states WHERE consumer_group = $1 AND topic = $2 AND partition = $3',
        [group, topic, partition],
      ),
    ]);
    return {
      nextOffset: offsets[0]?.next_offset ?? null,
      repartitionMarks: offsets[0]?.repartition_marks ?? {},
      records: rows.map((r) => ({
        tenantId: r.tenant_id,
        modelId: r.model_id,
        ruleId: r.rule_id,
        state: r.state,
        timers: r.timers,
        owner: partition,
        ...(r.touched_at === null ? {} : { touchedAt: Number(r.touched_at) }),
      })),
    };
  }

  /** Stores the changed state, deletes the dropped state and moves the partition's next offset, atomically. */
  async save(group: string, topic: string, partition: number, nextOffset: string, changes: RuleStateWrite): Promise<void> {
    // The state arrives encoded: it is spliced into the parameter, not encoded a second time.
    const upserts = jsonArrays(
      changes.records.map((r) => `${keyJson(r)},"state":${r.state},"timers":${r.timers},"touched_at":${r.touchedAt === null ? 'null' : String(r.touchedAt)}}`),
    );
    const deletes = jsonArrays(changes.deleted.map((k) => `${keyJson(k)}}`));
    await this.dataSource.transaction(async (manager) => {
      for (const keys of deletes) {
        // Only rows this partition owns: a model whose state moved to another partition keeps it.
        await manager.query(
          `DELETE FROM rule_states s USING jsonb_to_recordset($4::jsonb) AS k(tenant_id text, model_id text, rule_id text)
           WHERE s.consumer_group = $1 AND s.topic = $2 AND s.partition = $3
             AND s.tenant_id = k.tenant_id AND s.model_id = k.model_id AND s.rule_id = k.rule_id`,
          [group, topic, partition, keys],
        );
      }
      for (const records of upserts) {
        await manager.query(
          `INSERT INTO rule_states (consumer_group, topic, partition, tenant_id, model_id, rule_id, state, timers, touched_at, updated_at)
           SELECT $1, $2, $3, r.tenant_id, r.model_id, r.rule_id, r.state, r.timers, r.touched_at, now()
           FROM jsonb_to_recordset($4::jsonb) AS r(tenant_id text, model_id text, rule_id text, state jsonb, timers jsonb, touched_at bigint)
           ON CONFLICT (consumer_group, tenant_id, model_id, rule_id)
           DO UPDATE SET topic = EXCLUDED.topic, partition = EXCLUDED.partition, state = EXCLUDED.state, timers = EXCLUDED.timers,
                         touched_at = EXCLUDED.touched_at, updated_at = now()`,
          [group, topic, partition, records],
        );
      }
      const marks = changes.repartitionMarks === undefined ? null : JSON.stringify(changes.repartitionMarks);
      await manager.query(
        `INSERT INTO engine_offsets (consumer_group, topic, partition, next_offset, repartition_marks, updated_at) VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'), now())
         ON CONFLICT (consumer_group, topic, partition)
         DO UPDATE SET next_offset = EXCLUDED.next_offset, repartition_marks = COALESCE($5::jsonb, engine_offsets.repartition_marks), updated_at = now()`,
        [group, topic, partition, nextOffset, marks],
      );
    });
  }
}
