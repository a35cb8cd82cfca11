import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retiring a model keeps its row (`retired_at`); the time of the deployment the inventory last
 * recorded (`deployed_at`, so an older `model_deployment` never overwrites a newer one); and the
 * tenants' rule overrides per tenant, sector and model.
 */
export class ModelRetirementAndPolicyOverrides1764200000000 implements MigrationInterface {
  name = 'ModelRetirementAndPolicyOverrides1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE models ADD COLUMN retired_at timestamptz, ADD COLUMN deployed_at timestamptz`);
    await q.query(`
      CREATE TABLE policy_overrides (
        tenant_id text NOT NULL REFERENCES tenants(id),
        scope text NOT NULL,
        target text NOT NULL DEFAULT '',
        rule_id text NOT NULL,
        enabled boolean,
        args jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, scope, target, rule_id),
        CONSTRAINT ck_policy_overrides_scope CHECK (scope IN ('tenant', 'sector', 'model')),
        CONSTRAINT ck_policy_overrides_target CHECK ((scope = 'tenant') = (target = '')),
        CONSTRAINT ck_policy_overrides_args CHECK (jsonb_typeof(args) = 'object')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_overrides`);
    await q.query(`ALTER TABLE models DROP COLUMN retired_at, DROP COLUMN deployed_at`);
  }
}
