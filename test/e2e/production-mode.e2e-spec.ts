import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '@kanshi/auth';
import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { requireBuild, runApp, runBuiltScript, startBuiltApp } from './run-built-app';

describe('production mode refuses the dev key and runs only with a secrets key of its own', () => {
  beforeAll(requireBuild);
  // A key of its own, as production requires; made per run, never stored.
  const secretsKey = randomBytes(32).toString('base64');
  const evidenceKey = randomBytes(32).toString('base64');

  it.each(['api', 'ingest-gateway', 'policy-engine', 'alert-worker'])(
    '%s exits with a clear message when KANSHI_DEV_API_KEY is set',
    async (app) => {
      const { code, stderr } = await runApp(app, { NODE_ENV: 'production', KANSHI_SECRETS_KEY: secretsKey, KANSHI_EVIDENCE_SIGNING_KEY: evidenceKey, KANSHI_DEV_API_KEY: generateApiKey().token });
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

    const { code, stderr } = await runApp(app, { NODE_ENV: 'production', KANSHI_SECRETS_KEY: secretsKey, KANSHI_EVIDENCE_SIGNING_KEY: evidenceKey, KANSHI_DEV_API_KEY: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/dev API key\(s\) seeded for the local demo are still active/);
  });

  it.each(['api', 'alert-worker'])('%s exits naming KANSHI_EVIDENCE_SIGNING_KEY when it is unset: the ledger must not be signed with a public key', async (app) => {
    const { code, stderr } = await runApp(app, { NODE_ENV: 'production', KANSHI_SECRETS_KEY: secretsKey, KANSHI_EVIDENCE_SIGNING_KEY: '', KANSHI_DEV_API_KEY: '' });
    expect(code).toBe(1);
    expect(stderr).toContain('KANSHI_EVIDENCE_SIGNING_KEY is not set, and NODE_ENV=production needs it');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it.each(['api', 'ingest-gateway', 'policy-engine', 'alert-worker'])('%s exits naming KANSHI_SECRETS_KEY and how to make one when it is unset', async (app) => {
    const { code, stderr } = await runApp(app, { NODE_ENV: 'production', KANSHI_SECRETS_KEY: '', KANSHI_DEV_API_KEY: '' });
    expect(code).toBe(1);
    expect(stderr).toContain('KANSHI_SECRETS_KEY is not set');
    expect(stderr).toContain('openssl rand -base64 32');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('the demo seed refuses to create a dev key, and writes nothing', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kanshi-seed-'));
    const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-e2e');
    await dataSource.initialize();
    const devKeys = async () => Number((await dataSource.query<{ n: string }[]>("SELECT count(*) AS n FROM api_keys WHERE tenant_id = 'demo' AND is_dev"))[0]?.n);
    try {
      const before = await devKeys();
      const { code, stdout, stderr } = await runBuiltScript(join('tools', 'demo', 'seed-demo.js'), { NODE_ENV: 'production', KANSHI_SECRETS_KEY: secretsKey, KANSHI_DEV_API_KEY: '', KANSHI_CACHE_DIR: cacheDir });

      expect(code).toBe(1);
      expect(stderr).toContain('demo seed failed: NODE_ENV=production: the demo seed creates a dev admin key, which production refuses');
      expect(stderr).toContain('npm run tenants -- create');
      expect(stdout).not.toContain('kanshi_');
      expect(await devKeys()).toBe(before);
      expect(readdirSync(cacheDir)).toEqual([]);
    } finally {
      await dataSource.destroy();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('logs JSON lines in production: one object per line, the app named, start-up summed up in one line', async () => {
    const worker = startBuiltApp('alert-worker', {
      NODE_ENV: 'production',
      KANSHI_SECRETS_KEY: secretsKey,
      KANSHI_EVIDENCE_SIGNING_KEY: evidenceKey,
      KANSHI_DEV_API_KEY: '',
      KANSHI_QUEUE_PREFIX: `kanshi-test-${uniqueId('json-logs')}`,
      KANSHI_LOG_LEVEL: 'log',
    });
    try {
      await worker.waitForOutput(/modules initialised/);
    } finally {
      await worker.stop('SIGTERM');
    }
    const lines = worker.output().split('\n').filter((line) => line.trim() !== '');
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { notJson: line };
      }
    });
    expect(parsed.filter((line) => 'notJson' in line)).toEqual([]);
    expect(parsed.every((line) => line['app'] === 'alert-worker' && typeof line['level'] === 'string' && typeof line['message'] === 'string')).toBe(true);
    expect(parsed.filter((line) => line['context'] === 'InstanceLoader')).toEqual([]);
    expect(parsed.some((line) => /^\d+ modules initialised/.test(String(line['message'])))).toBe(true);
  });
});
