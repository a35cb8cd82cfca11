import 'reflect-metadata';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Partitioners } from 'kafkajs';
import { loadConfig } from '@kanshi/config';
import { kafkaClientOptions, kafkaConnectionOf } from '@kanshi/messaging';
import { createLogger, runMain } from '@kanshi/runtime';
import { NaiveHandlerModule } from './naive-handler.module';

/** Consumer group (Nest appends `-server`); the benchmark sets its offsets before the app joins. */
export const NAIVE_GROUP_ENV = 'KANSHI_BENCH_NAIVE_GROUP';
/** Printed once the Kafka server is listening. */
export const NAIVE_READY_LINE = 'naive handler listening';

async function startNaiveHandler(): Promise<INestMicroservice> {
  const config = loadConfig();
  const groupId = process.env[NAIVE_GROUP_ENV];
  if (!groupId) throw new Error(`${NAIVE_GROUP_ENV} must name the consumer group`);
  // Nest's standard Kafka transport with its defaults: eachMessage, one partition at a time,
  // offsets committed by kafkajs after each fetched batch.
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(NaiveHandlerModule.forRoot(config), {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'kanshi-bench-naive-handler', ...kafkaClientOptions(kafkaConnectionOf(config)) },
      consumer: { groupId },
      // Only to silence kafkajs's start-up warning about its default partitioner (nothing is produced).
      producer: { createPartitioner: Partitioners.DefaultPartitioner },
    },
    logger: createLogger('naive-handler', config),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.listen();
  // A plain line, not a log entry: the scenario waits for it whatever the configured log level.
  process.stdout.write(`${NAIVE_READY_LINE}\n`);
  return app;
}

if (require.main === module) runMain('naive-handler', startNaiveHandler);
