import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@kanshi/config';
import { DemoSeedRefusedError, seedDemo } from './seed-demo';

describe('seedDemo', () => {
  let cacheDir: string;

  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kanshi-seed-'));
  });

  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('refuses under NODE_ENV=production with a message that says what to do instead, before touching the database', async () => {
    // Nothing listens on port 1: had the seed tried to connect, the error would be ECONNREFUSED.
    const config = loadConfig({ NODE_ENV: 'production', KANSHI_SECRETS_KEY: randomBytes(32).toString('base64'), KANSHI_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/kanshi' });

    const seeding = seedDemo(config, cacheDir);

    await expect(seeding).rejects.toThrow(DemoSeedRefusedError);
    await expect(seeding).rejects.toThrow(/^NODE_ENV=production: the demo seed creates a dev admin key, which production refuses\. Nothing was written\./);
    await expect(seeding).rejects.toThrow('npm run tenants -- create <tenant-id>');
    expect(existsSync(join(cacheDir, 'dev-api-key'))).toBe(false);
  });

  it('goes on to the database in development', async () => {
    const config = loadConfig({ NODE_ENV: 'development', KANSHI_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/kanshi' });

    await expect(seedDemo(config, cacheDir)).rejects.toThrow(/ECONNREFUSED/);
  });
});
