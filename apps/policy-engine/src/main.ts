import 'reflect-metadata';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, KafkaBatchServer } from '@kanshi/messaging';
import { createLogger, limitHeapGrowth, runMain } from '@kanshi/runtime';
import { PolicyEngineModule } from './policy-engine.module';

export async function startPolicyEngine(config: AppConfig = loadConfig()): Promise<INestMicroservice> {
  const { kafkaClientId, engineGroupId, engineFetchMaxBytes, engineSessionTimeoutMs } = config.values;
  const strategy = new KafkaBatchServer({
    kafka: createKafkaClient(kafkaConnectionOf(config), `${kafkaClientId}-policy-engine-consumer`),
    groupId: engineGroupId,
    topics: [TOPICS.telemetry],
    fromBeginning: true,
    partitionsConsumedConcurrently: 3,
    // A member that stops heartbeating (kill -9, a frozen host) loses its partitions after the
    // session timeout (8 s by default); a live one heartbeats every 0.8 s, even while a batch
    // waits out an outage.
    sessionTimeoutMs: engineSessionTimeoutMs,
    maxBytes: engineFetchMaxBytes,
  });
  const logger = createLogger('policy-engine', config);
  const app = await NestFactory.createMicroservice(PolicyEngineModule.forRoot(config), { strategy, logger, abortOnError: false });
  app.enableShutdownHooks();
  await app.listen();
  logger.log(logger.startupSummary(), 'NestMicroservice');
  return app;
}

if (require.main === module) {
  // The engine's own process only (tests start it inside theirs).
  // Async: a configuration error becomes a rejection runMain reports in one line, not a crash.
  runMain('policy-engine', async () => {
    const config = loadConfig();
    limitHeapGrowth(config.values.engineHeapGrowingPercent);
    return startPolicyEngine(config);
  });
}
