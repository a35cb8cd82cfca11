import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type ICustomPartitioner, type LogEntry, type RetryOptions } from 'kafkajs';

/**
 * The one partitioner Kanshi uses: Java-compatible murmur2 on the record key, so
 * `tenant:model` lands on the same partition whichever client (Java, Python, kafkajs) produced
 * it. Chosen explicitly because kafkajs 2.x changed its default.
 */
export const TELEMETRY_PARTITIONER: ICustomPartitioner = Partitioners.DefaultPartitioner;

function kafkaLogCreator() {
  return ({ namespace, level, log }: LogEntry) => {
    const logger = new Logger(`kafka:${namespace}`);
    const { message, ...extra } = log;
    // Our producers bound their retries on purpose (fail fast, let the caller retry or answer
    // 503); kafkajs warns about that at every start.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const detail = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
    switch (level) {
      case logLevel.ERROR:
        logger.error(`${message}${detail}`);
        break;
      case logLevel.WARN:
        logger.warn(`${message}${detail}`);
        break;
      case logLevel.INFO:
        logger.log(message);
        break;
      case logLevel.DEBUG:
      case logLevel.NOTHING:
        logger.debug(message);
        break;
    }
  };
}

/** Retries of background work (consumers, workers): ride out a broker restart of about 40 s. */
export const PATIENT_RETRY: RetryOptions = { initialRetryTime: 200, retries: 8, maxRetryTime: 10000 };

/**
 * Retries of a client on a request path (the gateway): give up within about 3 s, because the
 * caller answers 503 and the producer retries; a later request connects afresh. Also bounds how
 * long a closed app keeps retrying a broker that is down.
 */
export const REQUEST_PATH_RETRY: RetryOptions = { initialRetryTime: 200, retries: 3, maxRetryTime: 1500 };

/** A kafkajs client with Kanshi's logging and retry settings. */
export function createKafkaClient(brokers: readonly string[], clientId: string, retry: RetryOptions = PATIENT_RETRY): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry,
  });
}

/** Health check: the cluster answers a metadata request (one admin connection, kept open). */
export function kafkaHealthCheck(kafka: Kafka) {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    name: 'kafka',
    check: async (): Promise<void> => {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      });
      await connected;
      await admin.describeCluster();
    },
    close: async (): Promise<void> => {
      if (connected) await admin.disconnect();
    },
  };
}
