import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose every inserted row is evidence (append-only trails and records of what ran). */
const INSERTED_ROWS = ['audit_log', 'alert_history', 'alert_findings', 'notifications', 'delivery_attempts', 'rule_verdicts'] as const;

/**
 * Tables whose every change is evidence (inventory, policies, keys, channels, routes, silences,
 * settings), with the columns left out (`a.b` for a field inside a JSON column): secrets (a
 * channel's webhook URL is one: it may carry a token), and what the apps touch on every use (a
 * key's last use, a model's last event), which would drown the changes people make.
 */
const CHANGED_ROWS: Readonly<Record<string, readonly string[]>> = {
  models: ['last_event_at', 'last_received_at'],
  policy_overrides: [],
  api_keys: ['salt', 'secret_hash', 'last_used_at'],
  ingest_keys: ['secret_sealed'],
  notification_channels: ['secret', 'config.url'],
  notification_routes: [],
  silences: [],
  alerting_settings: [],
};

/**
 * The evidence ledger (see libs/evidence): per tenant, an append-only chain of entries, each the
 * canonical JSON of a change with the SHA-256 of the entry before it, and signed checkpoints of
 * the chain's head.
 *
 * Changes are captured by triggers in the transaction that makes them, into `evidence_pending`
 * (set-based for the high-volume trails: one row per statement and tenant holding the rows it
 * inserted; one per row changed for the inventory and configuration), and chained by the alert
 * worker's sealer in batches, off the path of the engine and the alert jobs. `evidence_ledger`
 * and `evidence_checkpoints` are append-only (the apps' role may only insert and read them).
 */
export class EvidenceLedger1765800000000 implements MigrationInterface {
  name = 'EvidenceLedger1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evidence_pending (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        source text NOT NULL,
        op text NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        data jsonb NOT NULL,
        rows integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX ix_evidence_pending_tenant ON evidence_pending (tenant_id, id)`);
    await q.query(`
      CREATE TABLE evidence_heads (
        tenant_id text PRIMARY KEY,
        seq bigint NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE evidence_ledger (
        tenant_id text NOT NULL,
        seq bigint NOT NULL,
        at timestamptz NOT NULL,
        entry text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      )`);
    await q.query(`CREATE INDEX ix_evidence_ledger_at ON evidence_ledger (tenant_id, at)`);
    await q.query(`
      CREATE TABLE evidence_checkpoints (
        tenant_id text NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL,
        PRIMARY KEY (tenant_id, seq, key_id)
      )`);
    for (const table of ['evidence_ledger', 'evidence_checkpoints']) {
      await q.query(`CREATE TRIGGER tr_${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION kanshi_append_only()`);
      await q.query(`CREATE TRIGGER tr_${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION kanshi_append_only()`);
    }
    // A chain's head only moves forward, and is never deleted.
    await q.query(`
      CREATE FUNCTION kanshi_evidence_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.seq < OLD.seq OR NEW.tenant_id <> OLD.tenant_id THEN
          RAISE EXCEPTION 'the head of an evidence chain only moves forward';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER tr_evidence_heads_forward BEFORE UPDATE OR DELETE ON evidence_heads FOR EACH ROW EXECUTE FUNCTION kanshi_evidence_head_forward()`);
    await q.query(`CREATE TRIGGER tr_evidence_heads_no_truncate BEFORE TRUNCATE ON evidence_heads FOR EACH STATEMENT EXECUTE FUNCTION kanshi_evidence_head_forward()`);
    // The rows of a statement as one array per tenant, in one insert (the transition table is
    // named the same by every trigger): the alert path writes hundreds of findings a statement,
    // and a pending row each would double its writes.
    await q.query(`
      CREATE FUNCTION kanshi_evidence_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO evidence_pending (tenant_id, source, op, data, rows)
          SELECT r.tenant_id, TG_TABLE_NAME, lower(TG_OP), jsonb_agg(to_jsonb(r)), count(*) FROM kanshi_evidence_new r GROUP BY r.tenant_id;
        RETURN NULL;
      END $$`);
    // One row's change, old and new, without the columns named as the trigger's arguments; a
    // change of those columns alone is no evidence.
    await q.query(`
      CREATE FUNCTION kanshi_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        before jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
        after jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
        hidden text;
      BEGIN
        FOREACH hidden IN ARRAY COALESCE(TG_ARGV, '{}') LOOP
          before := before #- string_to_array(hidden, '.');
          after := after #- string_to_array(hidden, '.');
        END LOOP;
        IF TG_OP = 'UPDATE' AND before = after THEN
          RETURN NULL;
        END IF;
        INSERT INTO evidence_pending (tenant_id, source, op, data)
          VALUES (COALESCE(after, before) ->> 'tenant_id', TG_TABLE_NAME, lower(TG_OP), jsonb_build_object('old', before, 'new', after));
        RETURN NULL;
      END $$`);
    for (const table of INSERTED_ROWS) {
      await q.query(`
        CREATE TRIGGER tr_${table}_evidence AFTER INSERT ON ${table}
          REFERENCING NEW TABLE AS kanshi_evidence_new FOR EACH STATEMENT EXECUTE FUNCTION kanshi_evidence_rows()`);
    }
    // An upserted verdict that replaces the last one is evidence too.
    await q.query(`
      CREATE TRIGGER tr_rule_verdicts_evidence_update AFTER UPDATE ON rule_verdicts
        REFERENCING NEW TABLE AS kanshi_evidence_new FOR EACH STATEMENT EXECUTE FUNCTION kanshi_evidence_rows()`);
    for (const [table, hidden] of Object.entries(CHANGED_ROWS)) {
      const args = hidden.map((column) => `'${column}'`).join(', ');
      await q.query(`
        CREATE TRIGGER tr_${table}_evidence AFTER INSERT OR UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION kanshi_evidence_change(${args})`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of Object.keys(CHANGED_ROWS)) await q.query(`DROP TRIGGER tr_${table}_evidence ON ${table}`);
    await q.query(`DROP TRIGGER tr_rule_verdicts_evidence_update ON rule_verdicts`);
    for (const table of INSERTED_ROWS) await q.query(`DROP TRIGGER tr_${table}_evidence ON ${table}`);
    await q.query(`DROP FUNCTION kanshi_evidence_change()`);
    await q.query(`DROP TRIGGER tr_evidence_heads_no_truncate ON evidence_heads`);
    await q.query(`DROP TRIGGER tr_evidence_heads_forward ON evidence_heads`);
    await q.query(`DROP FUNCTION kanshi_evidence_head_forward()`);
    await q.query(`DROP FUNCTION kanshi_evidence_rows()`);
    await q.query(`DROP TABLE evidence_checkpoints`);
    await q.query(`DROP TABLE evidence_ledger`);
    await q.query(`DROP TABLE evidence_heads`);
    await q.query(`DROP TABLE evidence_pending`);
  }
}
