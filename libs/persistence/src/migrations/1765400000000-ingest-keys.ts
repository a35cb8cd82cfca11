import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-tenant ingest keys that sign telemetry written straight to Kafka (secrets sealed). */
export class IngestKeys1765400000000 implements MigrationInterface {
  name = 'IngestKeys1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest_keys (
        key_id text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{12}$'),
        tenant_id text NOT NULL REFERENCES tenants (id),
        name text NOT NULL,
        secret_sealed text NOT NULL CHECK (secret_sealed LIKE 'sealed:%'),
        is_dev boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_ingest_keys_tenant ON ingest_keys (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ingest_keys`);
  }
}
