import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@kanshi/config';
import { IngestKeyRepository } from '@kanshi/persistence';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyService } from './api-key.service';

/** API-key authentication for the HTTP apps. Needs `PersistenceModule`. */
@Module({ providers: [ApiKeyService, ApiKeyGuard], exports: [ApiKeyService, ApiKeyGuard] })
export class AuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly config: AppConfig,
    private readonly ingestKeys: IngestKeyRepository,
  ) {}

  /** Production refuses to serve while a demo key seeded for local use still works. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.isProduction) return;
    const devKeys = await this.apiKeys.countActiveDevKeys();
    if (devKeys > 0) {
      throw new Error(
        `NODE_ENV=production but ${devKeys} dev API key(s) seeded for the local demo are still active; ` +
          'revoke them (UPDATE api_keys SET revoked_at = now() WHERE is_dev) before starting in production.',
      );
    }
    const devIngestKeys = await this.ingestKeys.countActiveDevKeys();
    if (devIngestKeys > 0) {
      throw new Error(
        `NODE_ENV=production but ${devIngestKeys} dev ingest key(s) seeded for the local demo are still active; ` +
          'revoke them (UPDATE ingest_keys SET revoked_at = now() WHERE is_dev) before starting in production.',
      );
    }
  }
}
