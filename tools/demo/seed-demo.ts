import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { ApiKeyService, generateApiKey, parseApiKey, prepareIngestKey } from '@kanshi/auth';
import { parseIngestKey } from '@kanshi/contracts';
import { createDataSource, ApiKeyRepository, IngestKeyRepository, ModelRepository, TenantRepository } from '@kanshi/persistence';
import { SecretBox } from '@kanshi/secrets';
import { modelProfile } from '@kanshi/policy-sdk';
import { DEMO_MODELS, DEMO_TENANT } from './demo-models';

export interface DemoSeed {
  readonly tenantId: string;
  readonly adminKey: string;
  /** The demo producer's ingest key (dev only), to sign what it writes to Kafka. */
  readonly ingestKey: string;
}

/**
 * The dev key: `KANSHI_DEV_API_KEY` when set, otherwise one generated on the first start and
 * kept in the cache directory so the key stays the same across restarts.
 */
function devKey(cacheDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = join(cacheDir, 'dev-api-key');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (parseApiKey(saved)) return saved;
  }
  const { token } = generateApiKey();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** The demo producer's ingest key: made on the first start and kept in the cache directory. */
function devIngestKey(cacheDir: string): string | undefined {
  const file = join(cacheDir, 'dev-ingest-key');
  if (!existsSync(file)) return undefined;
  const saved = readFileSync(file, 'utf8').trim();
  return parseIngestKey(saved) ? saved : undefined;
}

/** Thrown instead of seeding under `NODE_ENV=production`, before the database is touched. */
export class DemoSeedRefusedError extends Error {
  override readonly name = 'DemoSeedRefusedError';
}

/**
 * Seeds the demo tenant, its inventory (all but the unregistered model), the admin dev key and
 * the demo producer's ingest key.
 * Refuses under `NODE_ENV=production`: a dev key there would be an admin key known to anyone
 * with access to the machine's cache directory, and production apps refuse to serve while one is active.
 */
export async function seedDemo(config: AppConfig, cacheDir: string): Promise<DemoSeed> {
  if (config.isProduction) {
    throw new DemoSeedRefusedError(
      'NODE_ENV=production: the demo seed creates a dev admin key, which production refuses. Nothing was written. ' +
        'Create a tenant and a real admin key with `npm run tenants -- create <tenant-id> --name "<name>"` ' +
        '(in a container: node dist/tools/tenants/tenants.js create …), or run the demo with NODE_ENV=development.',
    );
  }
  const configuredKey = config.values.devApiKey;
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-seed');
  await dataSource.initialize();
  try {
    await new TenantRepository(dataSource).ensure(DEMO_TENANT.id, DEMO_TENANT.name);
    const models = new ModelRepository(dataSource);
    for (const m of DEMO_MODELS.filter((model) => model.registered)) {
      await models.upsert(
        modelProfile({
          tenantId: DEMO_TENANT.id,
          modelId: m.modelId,
          name: m.name,
          sectors: m.sectors,
          riskTier: m.riskTier,
          owner: m.owner,
          intendedUse: m.intendedUse,
        }),
      );
    }
    const adminKey = await new ApiKeyService(new ApiKeyRepository(dataSource)).create({
      tenantId: DEMO_TENANT.id,
      name: 'demo admin (dev only)',
      roles: ['admin'],
      isDev: true,
      token: devKey(cacheDir, configuredKey),
    });
    // Sealed anew each start (so a changed KANSHI_SECRETS_KEY takes it along); the key itself stays.
    const saved = devIngestKey(cacheDir);
    const { key: ingestKey, record } = prepareIngestKey(
      { tenantId: DEMO_TENANT.id, name: 'demo producer (dev only)', isDev: true, ...(saved ? { key: saved } : {}) },
      SecretBox.fromConfig(config),
    );
    await new IngestKeyRepository(dataSource).insertIfAbsent(record);
    if (saved !== ingestKey) {
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(join(cacheDir, 'dev-ingest-key'), `${ingestKey}\n`, { mode: 0o600 });
    }
    return { tenantId: DEMO_TENANT.id, adminKey, ingestKey };
  } finally {
    await dataSource.destroy();
  }
}

/** `node dist/tools/demo/seed-demo.js`: seeds the demo tenant and prints its admin key (containers). */
if (require.main === module) {
  const cacheDir = process.env['KANSHI_CACHE_DIR'] || join(homedir(), '.cache', 'kanshi');
  Promise.resolve()
    .then(() => seedDemo(loadConfig(), cacheDir))
    .then(
      (seed) => process.stdout.write(`demo tenant "${seed.tenantId}", admin API key (dev only): ${seed.adminKey}\ningest key of the demo producer (dev only): ${seed.ingestKey}\n`),
      (error: unknown) => {
        process.stderr.write(`demo seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
}
