import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_log`: every change made through the API with a valid key (who, what, when, from
 * where, and how it ended), readable by the tenant's admins. Append-only like the alert
 * history: the `kanshi_append_only()` trigger refuses updates and deletes, so a key holder
 * cannot erase their own trail.
 */
export class AuditLog1764500000000 implements MigrationInterface {
  name = 'AuditLog1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor text NOT NULL,
        actor_name text,
        roles text[] NOT NULL DEFAULT '{}',
        method text NOT NULL,
        path text NOT NULL,
        target text NOT NULL,
        status integer NOT NULL,
        ip text,
        user_agent text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX ix_audit_log_tenant ON audit_log (tenant_id, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_log_tenant_actor ON audit_log (tenant_id, actor, id DESC)`);
    await q.query(`
      CREATE TRIGGER tr_audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION kanshi_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
  }
}
