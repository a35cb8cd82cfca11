import { Client } from 'pg';

/**
 * The apps connect as a role that may only read and write rows; migrations run as the schema
 * owner, and after every migration {@link grantAppRole} gives the apps' role what it needs on
 * every table there is, so tables added by later migrations are covered without a list here.
 *
 * Tables guarded by the `kanshi_append_only()` trigger (alert history, audit log, and any later
 * table a migration guards the same way) get `SELECT` and `INSERT` only. The app role owns
 * nothing, so it cannot drop, disable or replace the trigger; it is no superuser, so it cannot
 * set `session_replication_role` to skip triggers; it has no `TRUNCATE`, which fires no row
 * trigger. The trigger still stops the owner.
 */

/** The trigger function that makes a table append-only (migration 1764300000000). */
export const APPEND_ONLY_FUNCTION = 'kanshi_append_only';

/** TypeORM's record of the migrations run: the apps read it at start-up to refuse a schema behind their release. */
const MIGRATIONS_TABLE = 'typeorm_migrations';
const MIGRATIONS_TABLE_PRIVILEGES = ['SELECT'] as const;

/** Privileges the apps' role has on an ordinary table, and on an append-only one. */
export const APP_TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
export const APPEND_ONLY_PRIVILEGES = ['SELECT', 'INSERT'] as const;
const ALL_TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;

/** What {@link grantAppRole} did. */
export type AppRoleGrants =
  | { readonly kind: 'granted'; readonly role: string; readonly created: boolean; readonly tables: number; readonly appendOnly: readonly string[] }
  /** The apps and the migrations use one role (a setup from before the split): nothing to grant. */
  | { readonly kind: 'same-role'; readonly role: string };

/** The apps' role is unusable as configured; the message says what to change. */
export class AppRoleError extends Error {
  override readonly name = 'AppRoleError';
}

function userOf(url: string, variable: string): string {
  const user = decodeURIComponent(new URL(url).username);
  if (user === '') throw new AppRoleError(`${variable} names no user; give the role in the URL (postgres://<role>@host:5432/<database>).`);
  return user;
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'kanshi-grants' });
  await client.connect();
  return client;
}

/** Tables of schema `public` the {@link APPEND_ONLY_FUNCTION} trigger guards, by name. */
export async function appendOnlyTables(client: Client): Promise<string[]> {
  const result = await client.query<{ table: string }>(
    `SELECT DISTINCT c.relname AS table
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE n.nspname = 'public' AND p.proname = $1 AND NOT t.tgisinternal
      ORDER BY 1`,
    [APPEND_ONLY_FUNCTION],
  );
  return result.rows.map((r) => r.table);
}

async function ensureRole(client: Client, role: string, password: string, owner: string): Promise<boolean> {
  const found = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean; rolreplication: boolean }>(
    'SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = $1',
    [role],
  );
  const existing = found.rows[0];
  if (existing) {
    const powers = Object.entries({ SUPERUSER: existing.rolsuper, CREATEROLE: existing.rolcreaterole, CREATEDB: existing.rolcreatedb, BYPASSRLS: existing.rolbypassrls, REPLICATION: existing.rolreplication })
      .filter(([, has]) => has)
      .map(([name]) => name);
    if (powers.length > 0) {
      throw new AppRoleError(
        `The apps' role "${role}" (KANSHI_DATABASE_URL) has ${powers.join(', ')}, so it is not least privilege. ` +
          `Use a plain login role, or set KANSHI_DATABASE_URL to the owner's URL too to keep one role for everything.`,
      );
    }
    const member = await client.query<{ member: boolean }>(`SELECT pg_has_role($1, $2, 'MEMBER') AS member`, [role, owner]);
    if (member.rows[0]?.member) throw new AppRoleError(`The apps' role "${role}" is a member of the owner "${owner}", so it has the owner's rights. Revoke that membership.`);
    return false;
  }
  try {
    await client.query(`CREATE ROLE ${client.escapeIdentifier(role)} LOGIN${password ? ` PASSWORD ${client.escapeLiteral(password)}` : ''}`);
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Another process created it meanwhile.
    if (code === '42710') return false;
    if (code === '42501') {
      throw new AppRoleError(
        `The apps' role "${role}" does not exist and "${owner}" may not create roles. Create it ` +
          `(CREATE ROLE ${role} LOGIN PASSWORD '…') or give "${owner}" CREATEROLE, then run this again.`,
      );
    }
    throw error;
  }
}

/**
 * Connects as the owner (`ownerUrl`, the migrations' URL) and gives the role of `appUrl` exactly
 * what the apps need on the database as it is now: `CONNECT`, `USAGE` on schema `public`,
 * `SELECT, INSERT, UPDATE, DELETE` on every table but `SELECT, INSERT` on append-only ones and
 * `SELECT` on TypeORM's migrations table, `USAGE, SELECT` on sequences, and nothing else. Creates the role when it is missing (with the
 * URL's password, if any). Takes away what PostgreSQL gives every role by default and the apps
 * do not need: `CREATE` on schema `public` and `TEMPORARY` on the database. Run it after every
 * migration; it is idempotent. Then checks the result with {@link appRoleProblems} and throws
 * when anything is off.
 */
export async function grantAppRole(ownerUrl: string, appUrl: string): Promise<AppRoleGrants> {
  const role = userOf(appUrl, 'KANSHI_DATABASE_URL');
  const database = databaseOf(ownerUrl);
  if (databaseOf(appUrl) !== database) {
    throw new AppRoleError(`KANSHI_DATABASE_URL names database "${databaseOf(appUrl)}" but KANSHI_DATABASE_MIGRATION_URL names "${database}"; they must name the same one.`);
  }
  const client = await connect(ownerUrl);
  try {
    const owner = (await client.query<{ user: string }>('SELECT current_user AS user')).rows[0]?.user ?? '';
    if (owner === role) return { kind: 'same-role', role };
    const created = await ensureRole(client, role, decodeURIComponent(new URL(appUrl).password), owner);
    const r = client.escapeIdentifier(role);
    const db = client.escapeIdentifier(database);
    const appendOnly = await appendOnlyTables(client);
    const tables = (
      await client.query<{ table: string }>(`SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
    ).rows.map((row) => row.table);
    await client.query('BEGIN');
    // Not the owner of schema public or the database: PostgreSQL warns and goes on; the check below says what is left.
    await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await client.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${db} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON DATABASE ${db} FROM ${r}`);
    await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${r}`);
    await client.query(`REVOKE ALL ON SCHEMA public FROM ${r}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${r}`);
    for (const table of tables) {
      const t = `public.${client.escapeIdentifier(table)}`;
      await client.query(`REVOKE ALL ON TABLE ${t} FROM ${r}`);
      const privileges = table === MIGRATIONS_TABLE ? MIGRATIONS_TABLE_PRIVILEGES : appendOnly.includes(table) ? APPEND_ONLY_PRIVILEGES : APP_TABLE_PRIVILEGES;
      await client.query(`GRANT ${privileges.join(', ')} ON TABLE ${t} TO ${r}`);
    }
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${r}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
    await client.query('COMMIT');
    const problems = await appRoleProblems(client, role);
    if (problems.length > 0) throw new AppRoleError(`The apps' role "${role}" is not as it should be after the grants:\n  - ${problems.join('\n  - ')}`);
    return { kind: 'granted', role, created, tables: tables.length, appendOnly };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Everything about `role` on the connected database that differs from what the apps need and
 * may have: a table without the privileges of its kind, an append-only table
 * it may change, any `TRUNCATE`, `REFERENCES` or `TRIGGER`, an object it owns, the right to
 * create objects or temporary tables, or role attributes beyond login. Empty when all is well.
 */
export async function appRoleProblems(client: Client, role: string): Promise<string[]> {
  const problems: string[] = [];
  const attributes = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean; rolreplication: boolean }>(
    'SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = $1',
    [role],
  );
  const found = attributes.rows[0];
  if (!found) return [`role "${role}" does not exist`];
  for (const [name, has] of Object.entries(found)) if (has) problems.push(`role "${role}" has ${name.replace(/^rol/, '').toUpperCase()}`);
  const appendOnly = new Set(await appendOnlyTables(client));
  const tables = await client.query<{ table: string; owner: string; granted: string[] }>(
    `SELECT c.relname AS table, pg_get_userbyid(c.relowner) AS owner,
            ARRAY(SELECT p FROM unnest($2::text[]) AS p WHERE has_table_privilege($1, c.oid, p)) AS granted
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      ORDER BY 1`,
    [role, ALL_TABLE_PRIVILEGES],
  );
  for (const { table, owner, granted } of tables.rows) {
    if (owner === role) problems.push(`${table} is owned by "${role}"`);
    const expected: readonly string[] = table === MIGRATIONS_TABLE ? MIGRATIONS_TABLE_PRIVILEGES : appendOnly.has(table) ? APPEND_ONLY_PRIVILEGES : APP_TABLE_PRIVILEGES;
    const missing = expected.filter((p) => !granted.includes(p));
    const extra = granted.filter((p) => !expected.includes(p));
    if (missing.length > 0) problems.push(`${table}${appendOnly.has(table) ? ' (append-only)' : ''} lacks ${missing.join(', ')}`);
    if (extra.length > 0) problems.push(`${table}${appendOnly.has(table) ? ' (append-only)' : ''} allows ${extra.join(', ')}`);
  }
  // 'O' fires in normal sessions (the default), 'A' always; 'D' never, 'R' only for replication.
  const idle = await client.query<{ trigger: string; table: string }>(
    `SELECT t.tgname AS trigger, c.relname AS table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE p.proname = $1 AND t.tgenabled NOT IN ('O', 'A')`,
    [APPEND_ONLY_FUNCTION],
  );
  for (const { trigger, table } of idle.rows) problems.push(`trigger ${trigger} on ${table} is disabled`);
  const owned = await client.query<{ kind: string; name: string }>(
    `SELECT 'schema' AS kind, nspname AS name FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
     UNION ALL
     SELECT 'function', proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
     UNION ALL
     SELECT 'relation', relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1) AND relkind NOT IN ('r', 'p')`,
    [role],
  );
  for (const { kind, name } of owned.rows) problems.push(`${kind} ${name} is owned by "${role}"`);
  const rights = await client.query<{ schema_create: boolean; db_create: boolean; db_temp: boolean; connect: boolean; usage: boolean }>(
    `SELECT has_schema_privilege($1, 'public', 'CREATE') AS schema_create,
            has_database_privilege($1, current_database(), 'CREATE') AS db_create,
            has_database_privilege($1, current_database(), 'TEMPORARY') AS db_temp,
            has_database_privilege($1, current_database(), 'CONNECT') AS connect,
            has_schema_privilege($1, 'public', 'USAGE') AS usage`,
    [role],
  );
  const r = rights.rows[0];
  if (r?.schema_create) problems.push(`"${role}" may create objects in schema public`);
  if (r?.db_create) problems.push(`"${role}" may create schemas in the database`);
  if (r?.db_temp) problems.push(`"${role}" may create temporary tables`);
  if (!r?.connect) problems.push(`"${role}" may not connect to the database`);
  if (!r?.usage) problems.push(`"${role}" may not use schema public`);
  return problems;
}
