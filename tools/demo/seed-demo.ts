import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '@kanshi/config';
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

/** Seeds the demo tenant, its inventory (all but the unregistered model), the admin dev key and the demo producer's ingest key. */
export async function seedDemo(databaseUrl: string, cacheDir: string, configuredKey: string | undefined, secrets: SecretBox): Promise<DemoSeed> {
  const dataSource = createDataSource(databaseUrl, 'kanshi-seed');
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
    const { key: ingestKey, record } = prepareIngestKey({ tenantId: DEMO_TENANT.id, name: 'demo producer (dev only)', isDev: true, key: devIngestKey(cacheDir) }, secrets);
    const ingestKeys = new IngestKeyRepository(dataSource);
    await ingestKeys.insertIfAbsent(record);
    if (devIngestKey(cacheDir) !== ingestKey) {
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
  const config = loadConfig();
  const cacheDir = process.env['KANSHI_CACHE_DIR'] || join(homedir(), '.cache', 'kanshi');
  seedDemo(config.values.databaseUrl, cacheDir, config.values.devApiKey, SecretBox.fromConfig(config)).then(
    (seed) => process.stdout.write(`demo tenant "${seed.tenantId}", admin API key (dev only): ${seed.adminKey}\ningest key of the demo producer (dev only): ${seed.ingestKey}\n`),
    (error: unknown) => {
      process.stderr.write(`demo seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
