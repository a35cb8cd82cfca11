import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bounded rule state: `touched_at` (newest event time that touched a state, epoch ms) tells the
 * engine when a state is idle, so idle state can be dropped with its row. Existing rows take
 * the time they were last written. Rows of models that never had an inventory entry are
 * deleted: rules with state no longer judge such models, and a flood of made-up model ids must
 * not be reloaded at every start.
 */
export class RuleStateLimits1765300000000 implements MigrationInterface {
  name = 'RuleStateLimits1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rule_states ADD COLUMN touched_at bigint`);
    await q.query(`UPDATE rule_states SET touched_at = (extract(epoch FROM updated_at) * 1000)::bigint`);
    await q.query(
      `DELETE FROM rule_states s WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.tenant_id = s.tenant_id AND m.model_id = s.model_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // The deleted rows held state no rule reads any more; they are not brought back.
    await q.query(`ALTER TABLE rule_states DROP COLUMN touched_at`);
  }
}
