import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { SecretBox } from '@kanshi/secrets';
import { err, out, runCommandLine } from '../cli/command-line';
import { formatResealReports, resealAll } from './secret-commands';
import { parseSecretsArgs, USAGE } from './secrets-args';

/** Seals stored secrets again with the current key; see {@link USAGE}. */
runCommandLine('secrets', USAGE, parseSecretsArgs, async (command) => {
  const config = loadConfig();
  const box = SecretBox.fromConfig(config);
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-secrets');
  try {
    await dataSource.initialize();
    if (await dataSource.showMigrations()) throw new Error('the database schema is behind this release: run `npm run infra:up` (it runs the migrations)');
    const reports = await resealAll(dataSource, box, { tenantId: command.tenantId });
    out(formatResealReports(box.keyId, reports));
    return reports.some((r) => r.failed.length > 0) ? 1 : 0;
  } catch (error) {
    err(`secrets: ${error instanceof Error ? error.message : String(error)} (database from KANSHI_DATABASE_URL)`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
});
