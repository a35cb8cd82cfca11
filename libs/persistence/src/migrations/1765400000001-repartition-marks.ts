import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per engine partition, the highest source offset of the records moved to it that it has
 * counted (per tenant and source partition), checkpointed with its rule state.
 */
export class RepartitionMarks1765400000001 implements MigrationInterface {
  name = 'RepartitionMarks1765400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE engine_offsets ADD COLUMN repartition_marks jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE engine_offsets DROP COLUMN repartition_marks`);
  }
}
