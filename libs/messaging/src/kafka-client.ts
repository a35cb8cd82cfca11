import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type LogEntry, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { AppConfig } from '@kanshi/config';

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

/**
 * Where and how to reach Kafka: the brokers, and the TLS and SASL settings of this app's
 * principal. Build it with {@link kafkaConnectionOf}; pass it to {@link createKafkaClient}.
 */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  /** TLS: `true` trusts the system CAs; options carry a private CA and a client certificate (mTLS). */
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
}

/** The connection the configuration describes (reads the PEM files it names). */
export function kafkaConnectionOf(config: AppConfig): KafkaConnection {
  const v = config.values;
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path, 'utf8'));
  const ca = read(v.kafkaTlsCaFile);
  const cert = read(v.kafkaTlsCertFile);
  const key = read(v.kafkaTlsKeyFile);
  const tls: ConnectionOptions = { ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  const ssl = v.kafkaTls ? (Object.keys(tls).length > 0 ? tls : true) : undefined;
  const username = v.kafkaSaslUsername ?? '';
  const password = v.kafkaSaslPassword ?? '';
  const sasl: SASLOptions | undefined =
    v.kafkaSaslMechanism === 'none' ? undefined : { mechanism: v.kafkaSaslMechanism, username, password };
  return { brokers: v.kafkaBrokers, ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}

/** The connection as plain kafkajs client options (for clients Kanshi does not build itself). */
export function kafkaClientOptions(connection: KafkaConnection): { brokers: string[]; ssl?: boolean | ConnectionOptions; sasl?: SASLOptions } {
  return {
    brokers: [...connection.brokers],
    ...(connection.ssl === undefined ? {} : { ssl: connection.ssl }),
    ...(connection.sasl === undefined ? {} : { sasl: connection.sasl }),
  };
}

/** A kafkajs client with Kanshi's logging and retry settings. */
export function createKafkaClient(connection: KafkaConnection, clientId: string, retry: RetryOptions = PATIENT_RETRY): Kafka {
  return new Kafka({
    clientId,
    ...kafkaClientOptions(connection),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    connectionTimeout: 3000,
    // SASL handshakes and SCRAM rounds over TLS take longer than a plain connection.
    authenticationTimeout: 10000,
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
