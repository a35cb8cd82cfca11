import { generateApiKey } from '@kanshi/auth';
import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { requireBuild, runApp } from './run-built-app';

describe('production mode refuses the dev key', () => {
  beforeAll(requireBuild);

  it.each(['api', 'ingest-gateway', 'policy-engine', 'alert-worker'])(
    '%s exits with a clear message when KANSHI_DEV_API_KEY is set',
    async (app) => {
      const { code, stderr } = await runApp(app, { NODE_ENV: 'production', KANSHI_DEV_API_KEY: generateApiKey().token });
      expect(code).toBe(1);
      expect(stderr).toContain('KANSHI_DEV_API_KEY is set but NODE_ENV=production');
      expect(stderr).not.toMatch(/^\s+at /m);
    },
  );

  it.each(['api', 'ingest-gateway'])('%s refuses to serve while a seeded dev key is active', async (app) => {
    const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-e2e');
    await dataSource.initialize();
    await createTenantFixture(dataSource, uniqueId('devkey'), [], { devKey: true });
    await dataSource.destroy();

    const { code, stderr } = await runApp(app, { NODE_ENV: 'production', KANSHI_DEV_API_KEY: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/dev API key\(s\) seeded for the local demo are still active/);
  });
});
