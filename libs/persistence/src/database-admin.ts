import { Client } from 'pg';
import { createDataSource } from './data-source';

/** The database name of `url`, checked so it can be quoted safely in DDL. */
function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`database name "${name}" in the URL must be letters, digits and "_"`);
  }
  return name;
}

/** A client on the server's `postgres` database, for creating and dropping others. */
async function adminClient(url: string): Promise<Client> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  return client;
}

/** Drops the database named in `url` (closing its connections) if it exists. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const client = await adminClient(url);
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` when it does not exist (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const client = await adminClient(url);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"`);
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Runs pending migrations and returns their names. `url` must be the schema owner's (the
 * apps' role may not change the schema); a refusal says so.
 */
export async function migrate(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, 'kanshi-migrate');
  await dataSource.initialize();
  try {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } catch (error) {
    const code = (error as { code?: unknown; driverError?: { code?: unknown } }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
    // insufficient_privilege, or must be owner: the apps' role was given where the owner belongs.
    if (code === '42501') {
      const user = decodeURIComponent(new URL(url).username) || '(default user)';
      throw new Error(`Migrations must run as the schema owner, but "${user}" may not change the schema (${(error as Error).message}). Set KANSHI_DATABASE_MIGRATION_URL to the owner's URL.`);
    }
    throw error;
  } finally {
    await dataSource.destroy();
  }
}

/** Health check: the database answers a query. */
export function postgresHealthCheck(dataSource: import('typeorm').DataSource) {
  return { name: 'postgres', check: async (): Promise<void> => void (await dataSource.query('SELECT 1')) };
}
