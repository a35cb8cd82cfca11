import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createLogger, runMain } from '@kanshi/runtime';
import { AlertWorkerModule } from './alert-worker.module';

export async function startAlertWorker(config: AppConfig = loadConfig()): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AlertWorkerModule.forRoot(config), {
    logger: createLogger('alert-worker', config),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}

if (require.main === module) runMain('alert-worker', startAlertWorker);
