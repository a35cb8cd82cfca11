import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { err, out, runCommandLine } from '../cli/command-line';
import { createTenant, formatTenants, listTenants, TenantExistsError } from './tenant-commands';
import { parseTenantsArgs, USAGE } from './tenants-args';

/** Creates and lists tenants; see {@link USAGE}. */
runCommandLine('tenants', USAGE, parseTenantsArgs, async (command) => {
  const config = loadConfig();
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-tenants');
  try {
    await dataSource.initialize();
    if (await dataSource.showMigrations()) throw new Error('the database schema is behind this release: run `npm run infra:up` (it runs the migrations)');
    if (command.command === 'list') {
      out(formatTenants(await listTenants(dataSource)));
      return 0;
    }
    const key = await createTenant(dataSource, command.tenantId, command.name, command.keyName);
    out(`Created tenant "${command.tenantId}" (${command.name}) with an admin API key named "${command.keyName}".`);
    out('The key is shown this once (Kanshi keeps only a salted hash); store it in a secret manager now:');
    out('');
    out(`  ${key}`);
    out('');
    out('Use it as "Authorization: Bearer <key>"; create the tenant’s other keys with POST /v1/keys, and ingest keys for');
    out('producers that write straight to Kafka with POST /v1/ingest-keys.');
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    err(error instanceof TenantExistsError ? `tenants: ${message}` : `tenants: ${message} (database from KANSHI_DATABASE_URL)`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
});
