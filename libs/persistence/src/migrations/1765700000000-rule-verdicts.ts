import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The latest verdict of each windowed rule for each model and scope (pass, fail, or
 * insufficient data: a window with too few samples to judge), which the model's posture reads,
 * so that a rule that could not judge is never shown as passing.
 */
export class RuleVerdicts1765700000000 implements MigrationInterface {
  name = 'RuleVerdicts1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rule_verdicts (
        tenant_id   text        NOT NULL,
        model_id    text        NOT NULL,
        rule_id     text        NOT NULL,
        scope       text        NOT NULL,
        verdict     text        NOT NULL CONSTRAINT ck_rule_verdicts_verdict CHECK (verdict IN ('pass', 'fail', 'insufficient')),
        observed    jsonb,
        judged_at   timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, model_id, rule_id, scope)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rule_verdicts`);
  }
}
