import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, API keys, the model inventory, alerts and the findings behind them. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id),
        key_id text NOT NULL,
        name text NOT NULL,
        roles text[] NOT NULL,
        salt text NOT NULL,
        secret_hash text NOT NULL,
        is_dev boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz,
        CONSTRAINT uq_api_keys_key_id UNIQUE (key_id),
        CONSTRAINT ck_api_keys_roles CHECK (roles <@ ARRAY['admin','risk_officer','producer','viewer']::text[] AND cardinality(roles) > 0)
      )`);
    await q.query(`CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id)`);
    await q.query(`
      CREATE TABLE models (
        tenant_id text NOT NULL REFERENCES tenants(id),
        model_id text NOT NULL,
        name text NOT NULL,
        sectors text[] NOT NULL,
        risk_tier text,
        owner text,
        intended_use text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, model_id)
      )`);
    await q.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id),
        fingerprint text NOT NULL,
        model_id text NOT NULL,
        rule_id text NOT NULL,
        module_id text NOT NULL,
        sector text NOT NULL,
        scope text NOT NULL,
        title text NOT NULL,
        source text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('low','medium','high','critical')),
        status text NOT NULL CHECK (status IN ('firing','acknowledged','resolved','silenced')),
        occurrence_count integer NOT NULL DEFAULT 0,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        args jsonb NOT NULL DEFAULT '{}'::jsonb,
        observed jsonb,
        evidence_event_ids text[] NOT NULL DEFAULT '{}',
        due_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_alerts_tenant_fingerprint UNIQUE (tenant_id, fingerprint)
      )`);
    await q.query(`CREATE INDEX ix_alerts_tenant_last_seen ON alerts (tenant_id, last_seen_at DESC, id)`);
    await q.query(`
      CREATE TABLE alert_findings (
        finding_id text PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alerts(id),
        tenant_id text NOT NULL,
        event_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        severity text NOT NULL,
        observed jsonb,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_alert_findings_alert ON alert_findings (alert_id, occurred_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_findings`);
    await q.query(`DROP TABLE alerts`);
    await q.query(`DROP TABLE models`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE tenants`);
  }
}
