import { Client } from 'pg';
import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { dropDatabase, ensureDatabase, migrate } from './database-admin';
import { appendOnlyTables, appRoleProblems, grantAppRole } from './database-roles';

// The apps' least-privilege role on a scratch database migrated from scratch: every table the
// migrations make (this branch's and any added later) must carry exactly the grants the apps
// need, and SQL run as that role must not be able to change the append-only trail in any way.

const { databaseUrl, databaseMigrationUrl } = loadConfig().values;
const owner = decodeURIComponent(new URL(databaseMigrationUrl).username);
const configuredRole = decodeURIComponent(new URL(databaseUrl).username);
/** The apps' role as configured, or `kanshi_app` when the tests run with one role for everything. */
const role = configuredRole && configuredRole !== owner ? configuredRole : 'kanshi_app';
const name = uniqueId('kanshi_roles').replace(/-/g, '_');

function urlFor(base: string, user?: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  if (user !== undefined) {
    url.username = encodeURIComponent(user);
    url.password = '';
  }
  return url.toString();
}

const ownerUrl = urlFor(databaseMigrationUrl);
const appUrl = urlFor(databaseUrl, role);

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

describe('the apps’ database role (real PostgreSQL)', () => {
  let asOwner: Client;

  beforeAll(async () => {
    await ensureDatabase(ownerUrl);
    await migrate(ownerUrl);
    asOwner = await connect(ownerUrl);
  });

  afterAll(async () => {
    await asOwner?.end();
    await dropDatabase(ownerUrl);
  });

  it('gets read and write on every table and only insert and read on the append-only ones, nothing more', async () => {
    expect(owner).not.toBe(role);
    const grants = await grantAppRole(ownerUrl, appUrl);

    expect(grants).toMatchObject({ kind: 'granted', role });
    expect(grants.kind === 'granted' && grants.appendOnly).toEqual(expect.arrayContaining(['alert_history', 'audit_log']));
    expect(await appRoleProblems(asOwner, role)).toEqual([]);
    // The same, spelled out per table of the migrations as they stand.
    const privileges = await asOwner.query<{ table: string; granted: string[] }>(
      `SELECT tablename AS table, ARRAY(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p
                                       WHERE has_table_privilege($1, format('public.%I', tablename), p)) AS granted
         FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
      [role],
    );
    const appendOnly = new Set(await appendOnlyTables(asOwner));
    expect(privileges.rows.length).toBeGreaterThan(10);
    for (const { table, granted } of privileges.rows) {
      const expected = table === 'typeorm_migrations' ? ['SELECT'] : appendOnly.has(table) ? ['SELECT', 'INSERT'] : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
      expect({ table, granted }).toEqual({ table, granted: expected });
    }
  });

  it('finds a table a later migration adds without grants, or an append-only table left writable, and the next grant fixes both', async () => {
    await grantAppRole(ownerUrl, appUrl);
    // What a later migration might add: a plain table and one more append-only trail.
    await asOwner.query(`CREATE TABLE later_things (id bigserial PRIMARY KEY, note text)`);
    await asOwner.query(`CREATE TABLE later_log (id bigserial PRIMARY KEY, note text)`);
    await asOwner.query(`CREATE TRIGGER tr_later_log_append_only BEFORE UPDATE OR DELETE ON later_log FOR EACH ROW EXECUTE FUNCTION kanshi_append_only()`);
    await asOwner.query(`GRANT UPDATE, TRUNCATE ON audit_log TO ${asOwner.escapeIdentifier(role)}`);
    await asOwner.query(`ALTER TABLE alert_history DISABLE TRIGGER tr_alert_history_append_only`);

    expect(await appRoleProblems(asOwner, role)).toEqual(
      expect.arrayContaining([
        'later_things lacks SELECT, INSERT, UPDATE, DELETE',
        'later_log (append-only) lacks SELECT, INSERT',
        'audit_log (append-only) allows UPDATE, TRUNCATE',
        'trigger tr_alert_history_append_only on alert_history is disabled',
      ]),
    );

    await asOwner.query(`ALTER TABLE alert_history ENABLE TRIGGER tr_alert_history_append_only`);
    const grants = await grantAppRole(ownerUrl, appUrl);
    expect(grants.kind === 'granted' && grants.appendOnly).toEqual(expect.arrayContaining(['alert_history', 'audit_log', 'later_log']));
    expect(await appRoleProblems(asOwner, role)).toEqual([]);
    await asOwner.query(`DROP TABLE later_things, later_log`);
  });

  describe('SQL run as the apps’ role', () => {
    let asApp: Client;
    const tenantId = uniqueId('roles');
    let alertId: string;

    /** Runs `sql` as the apps' role and returns PostgreSQL's refusal (a statement that succeeds fails the test). */
    const refusal = async (sql: string): Promise<string> => {
      try {
        await asApp.query(sql);
      } catch (error) {
        await asApp.query('ROLLBACK').catch(() => undefined);
        return (error as Error).message;
      }
      throw new Error(`the apps' role was allowed: ${sql}`);
    };
    /** PostgreSQL says "table" or "relation" depending on the statement. */
    const notOwner = (table: string) => new RegExp(`^must be owner of (table|relation) ${table}$`);
    const trail = async () =>
      (
        await asOwner.query<{ history: string; audit: string; comment: string | null }>(
          `SELECT (SELECT count(*) FROM alert_history WHERE tenant_id = $1) AS history, (SELECT count(*) FROM audit_log WHERE tenant_id = $1) AS audit,
                  (SELECT comment FROM alert_history WHERE tenant_id = $1 ORDER BY id LIMIT 1) AS comment`,
          [tenantId],
        )
      ).rows[0];

    beforeAll(async () => {
      await grantAppRole(ownerUrl, appUrl);
      asApp = await connect(appUrl);
      expect((await asApp.query<{ user: string }>('SELECT current_user AS user')).rows[0]?.user).toBe(role);
      // What the apps do: write rows, history and audit included.
      await asApp.query(`INSERT INTO tenants (id, name) VALUES ($1, 'roles test')`, [tenantId]);
      const alert = await asApp.query<{ id: string }>(
        `INSERT INTO alerts (tenant_id, fingerprint, model_id, rule_id, module_id, sector, scope, title, source, severity, status, first_seen_at, last_seen_at)
         VALUES ($1, 'fp-1', 'm', 'G1', 'general', 'general', 'model', 't', 's', 'high', 'firing', now(), now()) RETURNING id`,
        [tenantId],
      );
      alertId = alert.rows[0]?.id ?? '';
      await asApp.query(`INSERT INTO alert_history (alert_id, tenant_id, action, actor, to_status, comment) VALUES ($1, $2, 'created', 'kanshi', 'firing', 'original')`, [alertId, tenantId]);
      await asApp.query(
        `INSERT INTO audit_log (tenant_id, actor, roles, method, path, target, status, details) VALUES ($1, 'api-key:x', '{admin}', 'POST', '/v1/keys', '/v1/keys', 201, '{}')`,
        [tenantId],
      );
      await asApp.query(`UPDATE alerts SET status = 'acknowledged' WHERE id = $1`, [alertId]);
      expect(await trail()).toEqual({ history: '1', audit: '1', comment: 'original' });
    });

    afterAll(async () => {
      await asApp?.end();
    });

    it('cannot update, delete or truncate the alert history or the audit log', async () => {
      for (const table of ['alert_history', 'audit_log']) {
        expect(await refusal(`UPDATE ${table} SET tenant_id = tenant_id WHERE tenant_id = '${tenantId}'`)).toBe(`permission denied for table ${table}`);
        expect(await refusal(`DELETE FROM ${table} WHERE tenant_id = '${tenantId}'`)).toBe(`permission denied for table ${table}`);
        expect(await refusal(`TRUNCATE ${table}`)).toBe(`permission denied for table ${table}`);
        expect(await refusal(`INSERT INTO ${table} SELECT * FROM ${table} ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id`)).toBe(`permission denied for table ${table}`);
        expect(await refusal(`SELECT * FROM ${table} FOR UPDATE`)).toBe(`permission denied for table ${table}`);
      }
      // Nor erase a trail through its alert: the history's foreign key holds the alert.
      expect(await refusal(`DELETE FROM alerts WHERE id = '${alertId}'`)).toMatch(/violates foreign key constraint/);
      expect(await refusal(`TRUNCATE alerts CASCADE`)).toBe('permission denied for table alerts');
      expect(await trail()).toEqual({ history: '1', audit: '1', comment: 'original' });
    });

    it('cannot drop, disable, replace or skip the append-only triggers', async () => {
      const guarded: readonly (readonly [string, string])[] = [['alert_history', 'tr_alert_history_append_only'], ['audit_log', 'tr_audit_log_append_only']];
      for (const [table, trigger] of guarded) {
        expect(await refusal(`DROP TRIGGER ${trigger} ON ${table}`)).toMatch(notOwner(table));
        expect(await refusal(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`)).toMatch(notOwner(table));
        expect(await refusal(`ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toMatch(notOwner(table));
        expect(await refusal(`ALTER TABLE ${table} ENABLE REPLICA TRIGGER ${trigger}`)).toMatch(notOwner(table));
        expect(await refusal(`ALTER TABLE ${table} OWNER TO ${role}`)).toMatch(notOwner(table));
        expect(await refusal(`CREATE RULE keep AS ON DELETE TO ${table} DO INSTEAD NOTHING`)).toMatch(notOwner(table));
      }
      // Replica mode skips ordinary triggers: only a superuser may switch to it, in a session, a transaction or the role's settings.
      expect(await refusal(`SET session_replication_role = replica`)).toBe('permission denied to set parameter "session_replication_role"');
      expect(await refusal(`BEGIN; SET LOCAL session_replication_role = replica`)).toBe('permission denied to set parameter "session_replication_role"');
      expect(await refusal(`ALTER ROLE ${role} SET session_replication_role = replica`)).toMatch(/permission denied/);
      // The trigger function: neither replaced nor dropped nor taken over.
      expect(await refusal(`CREATE OR REPLACE FUNCTION kanshi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`)).toMatch(
        /^(permission denied for schema public|must be owner of function kanshi_append_only)$/,
      );
      expect(await refusal(`DROP FUNCTION kanshi_append_only() CASCADE`)).toBe('must be owner of function kanshi_append_only');
      expect(await refusal(`ALTER FUNCTION kanshi_append_only() OWNER TO ${role}`)).toBe('must be owner of function kanshi_append_only');
      // Nor become someone who could.
      expect(await refusal(`SET ROLE ${owner}`)).toMatch(/permission denied to set role/);
      expect(await trail()).toEqual({ history: '1', audit: '1', comment: 'original' });
    });

    it('can change no schema: no tables, temporary tables, schemas or columns', async () => {
      expect(await refusal(`CREATE TABLE mine (id int)`)).toBe('permission denied for schema public');
      expect(await refusal(`CREATE TEMP TABLE mine (id int)`)).toMatch(/permission denied to create temporary tables in database/);
      expect(await refusal(`CREATE FUNCTION pg_temp.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'`)).toMatch(/permission denied/);
      expect(await refusal(`CREATE SCHEMA mine`)).toMatch(/permission denied for database/);
      expect(await refusal(`ALTER TABLE alerts ADD COLUMN mine int`)).toMatch(notOwner('alerts'));
      expect(await refusal(`DROP TABLE silences`)).toMatch(notOwner('silences'));
      expect(await refusal(`TRUNCATE silences`)).toBe('permission denied for table silences');
      // The apps read which migrations ran (to refuse a schema behind their release), and change nothing there.
      expect((await asApp.query('SELECT count(*) AS n FROM typeorm_migrations')).rows[0]).toMatchObject({ n: expect.any(String) });
      expect(await refusal(`DELETE FROM typeorm_migrations`)).toBe('permission denied for table typeorm_migrations');
      expect(await refusal(`INSERT INTO typeorm_migrations (timestamp, name) VALUES (1, 'x')`)).toBe('permission denied for table typeorm_migrations');
    });

    it('is still refused by the trigger when the owner tries', async () => {
      await expect(asOwner.query(`UPDATE alert_history SET comment = 'rewritten' WHERE tenant_id = $1`, [tenantId])).rejects.toThrow('alert_history is append-only');
      await expect(asOwner.query(`DELETE FROM audit_log WHERE tenant_id = $1`, [tenantId])).rejects.toThrow('audit_log is append-only');
      expect(await trail()).toEqual({ history: '1', audit: '1', comment: 'original' });
    });
  });
});
