import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox of follow-ups: a row per alert or silence whose change calls for
 * scheduling (notification group, escalation, clocks, silence timers), written in the
 * transaction of the change and deleted once the follow-ups are in Redis.
 */
export class AlertOutbox1765500000000 implements MigrationInterface {
  name = 'AlertOutbox1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_outbox (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL CONSTRAINT ck_alert_outbox_kind CHECK (kind IN ('alert', 'silence')),
        subject_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_outbox`);
  }
}
