import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inventory fields the sector rules read (approved versions and use scope, change plan,
 * validation, vendor and privacy references, deployed version), and the engine's checkpoint of
 * rule state with the telemetry offsets it covers.
 */
export class ModelInventoryAndRuleState1764100000000 implements MigrationInterface {
  name = 'ModelInventoryAndRuleState1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE models
        ADD COLUMN approved_use_scope text[] NOT NULL DEFAULT '{}',
        ADD COLUMN approved_versions jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN change_plan jsonb,
        ADD COLUMN last_validated_at date,
        ADD COLUMN third_party boolean NOT NULL DEFAULT false,
        ADD COLUMN vendor text,
        ADD COLUMN vendor_validation_ref text,
        ADD COLUMN privacy_assessment_refs text[] NOT NULL DEFAULT '{}',
        ADD COLUMN deployed_version text,
        ADD COLUMN deployed_hash text,
        ADD CONSTRAINT ck_models_approved_versions CHECK (jsonb_typeof(approved_versions) = 'array')`);
    await q.query(`
      CREATE TABLE rule_states (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        tenant_id text NOT NULL,
        model_id text NOT NULL,
        rule_id text NOT NULL,
        state jsonb,
        timers jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, tenant_id, model_id, rule_id)
      )`);
    await q.query(`CREATE INDEX ix_rule_states_partition ON rule_states (consumer_group, topic, partition)`);
    await q.query(`
      CREATE TABLE engine_offsets (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE engine_offsets`);
    await q.query(`DROP TABLE rule_states`);
    await q.query(`
      ALTER TABLE models
        DROP CONSTRAINT ck_models_approved_versions,
        DROP COLUMN approved_use_scope,
        DROP COLUMN approved_versions,
        DROP COLUMN change_plan,
        DROP COLUMN last_validated_at,
        DROP COLUMN third_party,
        DROP COLUMN vendor,
        DROP COLUMN vendor_validation_ref,
        DROP COLUMN privacy_assessment_refs,
        DROP COLUMN deployed_version,
        DROP COLUMN deployed_hash`);
  }
}
