import { Client } from 'pg';
import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { createDataSource, MIGRATIONS } from './data-source';
import { dropDatabase, ensureDatabase, migrate } from './database-admin';

// Creating and migrating a database is the owner's work, not the apps' role's.
const base = new URL(loadConfig().values.databaseMigrationUrl);

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const result = await client.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations' ORDER BY tablename",
  );
  await client.end();
  return result.rows.map((r) => r.tablename);
}

describe('migrations (real PostgreSQL)', () => {
  const scratch = new URL(base);
  scratch.pathname = `/${uniqueId('kanshi_migrations').replace(/-/g, '_')}`;
  const url = scratch.toString();

  afterAll(async () => {
    await dropDatabase(url);
  });

  it('creates the database once, migrates up, reverts every migration with down, and migrates again', async () => {
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);

    expect(await migrate(url)).toHaveLength(MIGRATIONS.length);
    expect(await tables(url)).toEqual([
      'alert_findings',
      'alert_history',
      'alert_outbox',
      'alerting_settings',
      'alerts',
      'api_keys',
      'audit_log',
      'delivery_attempts',
      'engine_offsets',
      'evidence_bundle_parts',
      'evidence_bundles',
      'evidence_checkpoints',
      'evidence_heads',
      'evidence_ledger',
      'evidence_pending',
      'ingest_keys',
      'models',
      'notification_channels',
      'notification_groups',
      'notification_routes',
      'notifications',
      'policy_overrides',
      'rule_states',
      'rule_verdicts',
      'silences',
      'tenants',
    ]);
    expect(await migrate(url)).toEqual([]);

    const dataSource = createDataSource(url, 'kanshi-migration-test');
    await dataSource.initialize();
    for (let i = 0; i < MIGRATIONS.length; i += 1) await dataSource.undoLastMigration();
    await dataSource.destroy();
    expect(await tables(url)).toEqual([]);

    expect(await migrate(url)).toHaveLength(MIGRATIONS.length);
  });
});
