import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey } from '@kanshi/auth';
import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, uniqueId } from '@kanshi/testing';

const ROOT = join(__dirname, '..', '..');

/** Runs a built app as `npm start` would, and returns how it ended. */
function runApp(app: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
      env: { ...process.env, KANSHI_API_PORT: '0', KANSHI_GATEWAY_PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit within 30s; stderr: ${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('production mode refuses the dev key', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this suite');
    }
  });

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
