import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evidence bundles made through the API: one row per request (who asked, for what, how far the
 * job has come, and the signed manifest when done) and the archive itself in parts of at most
 * 1 MiB, so any API instance can stream it back. Parts go with their bundle. The request reaches
 * the alert worker through the outbox (kind `evidence-bundle`), committed with its row. Each run of
 * its job takes a fresh `run_token`: a run that was superseded (its worker stalled and the job
 * ran again) can no longer write parts, progress or the outcome.
 */
export class EvidenceBundles1765900000000 implements MigrationInterface {
  name = 'EvidenceBundles1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evidence_bundles (
        id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id          text        NOT NULL,
        requested_by       text        NOT NULL,
        requested_by_name  text,
        params             jsonb       NOT NULL,
        status             text        NOT NULL DEFAULT 'queued' CONSTRAINT ck_evidence_bundles_status CHECK (status IN ('queued', 'running', 'done', 'failed')),
        stage              text,
        done               integer     NOT NULL DEFAULT 0,
        total              integer     NOT NULL DEFAULT 0,
        run_token          uuid,
        error              text,
        manifest           jsonb,
        size               bigint,
        created_at         timestamptz NOT NULL DEFAULT now(),
        started_at         timestamptz,
        finished_at        timestamptz,
        expires_at         timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_evidence_bundles_tenant ON evidence_bundles (tenant_id, created_at DESC)`);
    await q.query(`CREATE INDEX ix_evidence_bundles_expires ON evidence_bundles (expires_at)`);
    await q.query(`
      CREATE TABLE evidence_bundle_parts (
        bundle_id uuid    NOT NULL REFERENCES evidence_bundles (id) ON DELETE CASCADE,
        n         integer NOT NULL,
        data      bytea   NOT NULL,
        PRIMARY KEY (bundle_id, n)
      )`);
    await q.query(`ALTER TABLE alert_outbox DROP CONSTRAINT ck_alert_outbox_kind`);
    await q.query(`ALTER TABLE alert_outbox ADD CONSTRAINT ck_alert_outbox_kind CHECK (kind IN ('alert', 'silence', 'evidence-bundle'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM alert_outbox WHERE kind = 'evidence-bundle'`);
    await q.query(`ALTER TABLE alert_outbox DROP CONSTRAINT ck_alert_outbox_kind`);
    await q.query(`ALTER TABLE alert_outbox ADD CONSTRAINT ck_alert_outbox_kind CHECK (kind IN ('alert', 'silence'))`);
    await q.query(`DROP TABLE evidence_bundle_parts`);
    await q.query(`DROP TABLE evidence_bundles`);
  }
}
