import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications: channels (webhook, email, Slack) with write-only secrets, routing rules from
 * severity, sector, model and rule to channels per escalation level, silences, per-tenant
 * alerting settings, the schedule of each notification group, and every notification with
 * each delivery attempt. Alerts learn when they opened, when and at which severity they were
 * last notified, and which silence holds them.
 */
export class Notifications1764400000000 implements MigrationInterface {
  name = 'Notifications1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alerts
        ADD COLUMN opened_at timestamptz,
        ADD COLUMN notified_at timestamptz,
        ADD COLUMN notified_severity text,
        ADD COLUMN silenced_by uuid`);
    // Alerts raised before notifications existed count as notified: no flood on upgrade.
    await q.query(`UPDATE alerts SET opened_at = created_at, notified_at = now(), notified_severity = severity`);
    await q.query(`ALTER TABLE alerts ALTER COLUMN opened_at SET NOT NULL, ALTER COLUMN opened_at SET DEFAULT now()`);
    await q.query(`CREATE INDEX ix_alerts_notify_group ON alerts (tenant_id, model_id, severity) WHERE status = 'firing'`);
    await q.query(`ALTER TABLE alert_history DROP CONSTRAINT ck_alert_history_action`);
    await q.query(`
      ALTER TABLE alert_history ADD CONSTRAINT ck_alert_history_action CHECK (action IN
        ('created', 'occurrence', 'severity_raised', 'acknowledged', 'assigned', 'commented',
         'escalated', 'silenced', 'unsilenced', 'resolved', 'reopened', 'reminded', 'deadline_missed'))`);
    await q.query(`
      CREATE TABLE notification_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('webhook', 'email', 'slack')),
        config jsonb NOT NULL,
        secret text,
        enabled boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_notification_channels_name ON notification_channels (tenant_id, name) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE notification_routes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        level integer NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 10),
        severities text[] NOT NULL DEFAULT '{}',
        sectors text[] NOT NULL DEFAULT '{}',
        model_ids text[] NOT NULL DEFAULT '{}',
        rule_ids text[] NOT NULL DEFAULT '{}',
        channel_ids uuid[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_notification_routes_name ON notification_routes (tenant_id, name)`);
    await q.query(`
      CREATE TABLE silences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id),
        severities text[] NOT NULL DEFAULT '{}',
        sectors text[] NOT NULL DEFAULT '{}',
        model_ids text[] NOT NULL DEFAULT '{}',
        rule_ids text[] NOT NULL DEFAULT '{}',
        reason text NOT NULL CHECK (length(reason) > 0),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by text NOT NULL,
        created_by_name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        reminded_at timestamptz,
        CONSTRAINT ck_silences_span CHECK (ends_at > starts_at)
      )`);
    await q.query(`CREATE INDEX ix_silences_tenant_ends ON silences (tenant_id, ends_at)`);
    await q.query(`
      CREATE TABLE alerting_settings (
        tenant_id text PRIMARY KEY REFERENCES tenants(id),
        settings jsonb NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_groups (
        tenant_id text NOT NULL REFERENCES tenants(id),
        group_key text NOT NULL,
        next_run_at timestamptz,
        last_run_at timestamptz,
        PRIMARY KEY (tenant_id, group_key)
      )`);
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id),
        channel_id uuid NOT NULL REFERENCES notification_channels(id),
        kind text NOT NULL CHECK (kind IN ('firing', 'escalation', 'reminder', 'deadline_missed', 'silence_expiring')),
        level integer NOT NULL DEFAULT 0,
        alert_ids uuid[] NOT NULL DEFAULT '{}',
        repeat_alert_ids uuid[] NOT NULL DEFAULT '{}',
        silence_id uuid REFERENCES silences(id),
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'suppressed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        failed_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_notifications_alerts ON notifications USING gin (alert_ids)`);
    await q.query(`CREATE INDEX ix_notifications_pending ON notifications (created_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE delivery_attempts (
        id bigserial PRIMARY KEY,
        notification_id uuid NOT NULL REFERENCES notifications(id),
        tenant_id text NOT NULL,
        attempt integer NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        duration_ms integer NOT NULL,
        ok boolean NOT NULL,
        http_status integer,
        error text
      )`);
    await q.query(`CREATE INDEX ix_delivery_attempts_notification ON delivery_attempts (notification_id, id)`);
    await q.query(`
      CREATE TRIGGER tr_delivery_attempts_append_only BEFORE UPDATE OR DELETE ON delivery_attempts
        FOR EACH ROW EXECUTE FUNCTION kanshi_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE delivery_attempts`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE notification_groups`);
    await q.query(`DROP TABLE alerting_settings`);
    await q.query(`DROP TABLE silences`);
    await q.query(`DROP TABLE notification_routes`);
    await q.query(`DROP TABLE notification_channels`);
    await q.query(`ALTER TABLE alert_history DROP CONSTRAINT ck_alert_history_action`);
    await q.query(`
      ALTER TABLE alert_history ADD CONSTRAINT ck_alert_history_action CHECK (action IN
        ('created', 'occurrence', 'severity_raised', 'acknowledged', 'assigned', 'commented',
         'escalated', 'silenced', 'unsilenced', 'resolved', 'reopened')) NOT VALID`);
    await q.query(`DROP INDEX ix_alerts_notify_group`);
    await q.query(`ALTER TABLE alerts DROP COLUMN opened_at, DROP COLUMN notified_at, DROP COLUMN notified_severity, DROP COLUMN silenced_by`);
  }
}
