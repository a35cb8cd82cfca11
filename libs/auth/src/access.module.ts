import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController } from './api-keys.controller';
import { AuditTrailGuard } from './audit-trail.guard';
import { AuditController } from './audit.controller';
import { AuthModule } from './auth.module';
import { IngestKeysController } from './ingest-keys.controller';
import { SecretsModule } from '@kanshi/secrets';
import { TenantController } from './tenant.controller';

/**
 * Identity and access for the API: keys, the caller and its tenant, the audit log, and the
 * global guard that writes the audit trail of every route of the app. Needs
 * `PersistenceModule` and `RateLimitModule`.
 */
@Module({
  imports: [AuthModule, SecretsModule],
  controllers: [ApiKeysController, IngestKeysController, TenantController, AuditController],
  providers: [{ provide: APP_GUARD, useClass: AuditTrailGuard }],
})
export class AccessModule {}
