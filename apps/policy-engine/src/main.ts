import 'reflect-metadata';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, KafkaBatchServer } from '@kanshi/messaging';
import { createLogger, runMain } from '@kanshi/runtime';
import { PolicyEngineModule } from './policy-engine.module';

export async function startPolicyEngine(config: AppConfig = loadConfig()): Promise<INestMicroservice> {
  const { kafkaBrokers, kafkaClientId, engineGroupId, engineFetchMaxBytes } = config.values;
  const strategy = new KafkaBatchServer({
    kafka: createKafkaClient(kafkaBrokers, `${kafkaClientId}-policy-engine-consumer`),
    groupId: engineGroupId,
    topics: [TOPICS.telemetry],
    fromBeginning: true,
    partitionsConsumedConcurrently: 3,
    sessionTimeoutMs: 30_000,
    maxBytes: engineFetchMaxBytes,
  });
  const app = await NestFactory.createMicroservice(PolicyEngineModule.forRoot(config), {
    strategy,
    logger: createLogger('policy-engine', config),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.listen();
  return app;
}

if (require.main === module) runMain('policy-engine', startPolicyEngine);
