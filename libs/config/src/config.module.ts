import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';

/** Provides {@link AppConfig}, validated once at boot, to every module. */
@Global()
@Module({})
export class ConfigModule {
  /** `config` lets tests and tools pass an already loaded configuration. */
  static forRoot(config: AppConfig = loadConfig()): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}
