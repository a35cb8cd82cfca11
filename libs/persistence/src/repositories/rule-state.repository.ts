import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RuleStateRecord } from '@kanshi/policy-sdk';

/** The engine's checkpoint of one partition: rule state and the next offset it covers. */
export interface PartitionCheckpoint {
  /** Next offset to process; `null` when the partition was never checkpointed. */
  readonly nextOffset: string | null;
  readonly records: RuleStateRecord[];
  /** Highest source offset counted of the records moved here, by `tenant/source partition`. */
  readonly repartitionMarks: Record<string, string>;
}

/**
 * Rule state checkpoints in PostgreSQL. State and offset are written in one transaction, so
 * after a crash the engine resumes from exactly the events its state already counts.
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
      this.dataSource.query<{ tenant_id: string; model_id: string; rule_id: string; state: unknown; timers: Record<string, number> }[]>(
        'SELECT tenant_id, model_id, rule_id, state, timers FROM rule_states WHERE consumer_group = $1 AND topic = $2 AND partition = $3',
        [group, topic, partition],
      ),
    ]);
    return {
      nextOffset: offsets[0]?.next_offset ?? null,
      repartitionMarks: offsets[0]?.repartition_marks ?? {},
      records: rows.map((r) => ({ tenantId: r.tenant_id, modelId: r.model_id, ruleId: r.rule_id, state: r.state, timers: r.timers, owner: partition })),
    };
  }

  /** Stores the changed state, the partition's next offset and (when given) its repartition marks atomically. */
  async save(
    group: string,
    topic: string,
    partition: number,
    nextOffset: string,
    records: readonly RuleStateRecord[],
    repartitionMarks?: Readonly<Record<string, string>>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (records.length > 0) {
        await manager.query(
          `INSERT INTO rule_states (consumer_group, topic, partition, tenant_id, model_id, rule_id, state, timers, updated_at)
           SELECT $1, $2, $3, r.tenant_id, r.model_id, r.rule_id, r.state, r.timers, now()
           FROM jsonb_to_recordset($4::jsonb) AS r(tenant_id text, model_id text, rule_id text, state jsonb, timers jsonb)
           ON CONFLICT (consumer_group, tenant_id, model_id, rule_id)
           DO UPDATE SET topic = EXCLUDED.topic, partition = EXCLUDED.partition, state = EXCLUDED.state, timers = EXCLUDED.timers, updated_at = now()`,
          [
            group,
            topic,
            partition,
            JSON.stringify(records.map((r) => ({ tenant_id: r.tenantId, model_id: r.modelId, rule_id: r.ruleId, state: r.state ?? null, timers: r.timers }))),
          ],
        );
      }
      await manager.query(
        `INSERT INTO engine_offsets (consumer_group, topic, partition, next_offset, repartition_marks, updated_at) VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'), now())
         ON CONFLICT (consumer_group, topic, partition)
         DO UPDATE SET next_offset = EXCLUDED.next_offset, repartition_marks = COALESCE($5::jsonb, engine_offsets.repartition_marks), updated_at = now()`,
        [group, topic, partition, nextOffset, repartitionMarks === undefined ? null : JSON.stringify(repartitionMarks)],
      );
    });
  }
}
