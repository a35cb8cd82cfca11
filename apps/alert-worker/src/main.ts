import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createLogger, runMain } from '@kanshi/runtime';
import { AlertWorkerModule } from './alert-worker.module';

export async function startAlertWorker(config: AppConfig = loadConfig()): Promise<INestApplicationContext> {
  const logger = createLogger('alert-worker', config);
  const app = await NestFactory.createApplicationContext(AlertWorkerModule.forRoot(config), { logger, abortOnError: false });
  app.enableShutdownHooks();
  await app.init();
  logger.log(logger.startupSummary(), 'NestApplication');
  return app;
}

if (require.main === module) runMain('alert-worker', startAlertWorker);
