import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alert lifecycle: who an alert is assigned to, its escalation level, when it was
 * acknowledged and resolved, since when its rule has reported the condition clear (for
 * auto-resolve), and `alert_history`, the append-only trail of every change: who, when, what,
 * from which status to which, and the comment. A trigger refuses updates and deletes of the
 * trail, so the lifecycle can never rewrite it.
 */
export class AlertLifecycle1764300000000 implements MigrationInterface {
  name = 'AlertLifecycle1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alerts
        ADD COLUMN assignee text,
        ADD COLUMN escalation_level integer NOT NULL DEFAULT 0,
        ADD COLUMN acknowledged_at timestamptz,
        ADD COLUMN resolved_at timestamptz,
        ADD COLUMN clear_since timestamptz`);
    await q.query(`CREATE INDEX ix_alerts_tenant_due ON alerts (tenant_id, due_at) WHERE due_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE alert_history (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alerts(id),
        tenant_id text NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        action text NOT NULL,
        actor text NOT NULL,
        actor_name text,
        from_status text,
        to_status text,
        comment text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT ck_alert_history_action CHECK (action IN
          ('created', 'occurrence', 'severity_raised', 'acknowledged', 'assigned', 'commented',
           'escalated', 'silenced', 'unsilenced', 'resolved', 'reopened'))
      )`);
    await q.query(`CREATE INDEX ix_alert_history_alert ON alert_history (alert_id, id)`);
    await q.query(`
      CREATE FUNCTION kanshi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: rows are never changed or deleted', TG_TABLE_NAME;
      END $$`);
    await q.query(`
      CREATE TRIGGER tr_alert_history_append_only BEFORE UPDATE OR DELETE ON alert_history
        FOR EACH ROW EXECUTE FUNCTION kanshi_append_only()`);
    // Alerts raised before the trail existed get their creation on it.
    await q.query(`
      INSERT INTO alert_history (alert_id, tenant_id, at, action, actor, to_status, details)
      SELECT id, tenant_id, created_at, 'created', 'kanshi', status, jsonb_build_object('recorded_by_migration', true)
        FROM alerts`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_history`);
    await q.query(`DROP FUNCTION kanshi_append_only()`);
    await q.query(`DROP INDEX ix_alerts_tenant_due`);
    await q.query(`ALTER TABLE alerts DROP COLUMN assignee, DROP COLUMN escalation_level, DROP COLUMN acknowledged_at, DROP COLUMN resolved_at, DROP COLUMN clear_since`);
  }
}
