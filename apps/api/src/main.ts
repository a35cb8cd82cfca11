import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { runMain, startHttpApp } from '@kanshi/runtime';
import { ApiModule } from './api.module';
import { apiOpenApi } from './api-openapi';

export async function startApi(config: AppConfig = loadConfig()): Promise<INestApplication> {
  return startHttpApp(ApiModule.forRoot(config), { name: 'api', port: config.values.apiPort, config, openApi: apiOpenApi() });
}

if (require.main === module) runMain('api', startApi);
