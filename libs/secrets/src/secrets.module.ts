import { Module } from '@nestjs/common';
import { AppConfig } from '@kanshi/config';
import { SecretBox } from './secret-box';

/** Provides {@link SecretBox} from the configuration (`KANSHI_SECRETS_KEY`, `KANSHI_SECRETS_PREVIOUS_KEYS`). */
@Module({
  providers: [{ provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => SecretBox.fromConfig(config) }],
  exports: [SecretBox],
})
export class SecretsModule {}
