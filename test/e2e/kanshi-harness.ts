import type { Server } from 'node:http';
import type { INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { TOPICS, telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { InventoryCache } from '@kanshi/policy-core';
import { committedOffsets, startGroupAtEnd, uniqueId, waitFor } from '@kanshi/testing';
import { startAlertWorker } from '../../apps/alert-worker/src/main';
import { startApi } from '../../apps/api/src/main';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';
import { startPolicyEngine } from '../../apps/policy-engine/src/main';

/** The four apps started in this process against the real servers, as `npm start` runs them. */
export interface RunningKanshi {
  readonly config: AppConfig;
  readonly kafka: Kafka;
  readonly dataSource: DataSource;
  readonly api: INestApplication;
  readonly gateway: INestApplication;
  readonly engine: INestMicroservice;
  /** HTTP servers of the api and the gateway, for supertest. */
  readonly apiHttp: Server;
  readonly gatewayHttp: Server;
  readonly worker: INestApplicationContext;
  /** Resolves once the engine's in-memory inventory knows the tenant (it refreshes in the background). */
  engineKnowsTenant(tenantId: string): Promise<void>;
  /** Produces events to the telemetry topic as a plain Kafka client would (key `tenant:model`). */
  produce(events: readonly TelemetryEvent[]): Promise<void>;
  /** Resolves once the engine's group has committed everything produced to the topic so far. */
  engineCaughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the apps with a consumer group of their own that begins at the end of the telemetry
 * topic, HTTP on free ports, the test database and a queue prefix of their own. `env` adds to
 * (or overrides) the configuration, e.g. `KANSHI_OUTBOUND_ALLOWLIST` for receivers on loopback.
 */
export async function startKanshi(env: Readonly<Record<string, string>> = {}): Promise<RunningKanshi> {
  const run = uniqueId('e2e');
  const config = loadConfig({
    ...process.env,
    ...env,
    KANSHI_ENGINE_GROUP_ID: `kanshi-policy-engine-${run}`,
    KANSHI_QUEUE_PREFIX: `kanshi-test-${run}`,
    KANSHI_API_PORT: '0',
    KANSHI_GATEWAY_PORT: '0',
    KANSHI_INVENTORY_REFRESH_MS: '300',
  });
  const kafka = createKafkaClient(config.values.kafkaBrokers, `kanshi-${run}`);
  await startGroupAtEnd(kafka, config.values.engineGroupId, TOPICS.telemetry);
  let producer: Producer | undefined;
  const [engine, worker, api, gateway] = await Promise.all([
    startPolicyEngine(config),
    startAlertWorker(config),
    startApi(config),
    startIngestGateway(config),
  ]);
  return {
    config,
    kafka,
    dataSource: api.get(DataSource),
    api,
    gateway,
    apiHttp: api.getHttpServer() as Server,
    gatewayHttp: gateway.getHttpServer() as Server,
    engine,
    worker,
    async engineKnowsTenant(tenantId: string) {
      const inventory = engine.get(InventoryCache);
      await waitFor(`the engine to load tenant ${tenantId}`, () => Promise.resolve(inventory.hasTenant(tenantId) || undefined));
    },
    async produce(events) {
      if (!producer) {
        producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
        await producer.connect();
      }
      await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: events.map((e) => ({ key: telemetryKey(e.tenant_id, e.model_id), value: JSON.stringify(e) })) });
    },
    async engineCaughtUp() {
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(TOPICS.telemetry);
      await admin.disconnect();
      await waitFor('the engine to commit every produced record', async () => {
        const committed = await committedOffsets(kafka, config.values.engineGroupId, TOPICS.telemetry);
        return ends.every((p) => (committed.get(p.partition) ?? -1n) >= BigInt(p.high)) ? true : undefined;
      });
    },
    async stop() {
      await producer?.disconnect();
      await Promise.all([engine.close(), worker.close(), api.close(), gateway.close()]);
      // The run's queues live under a prefix of their own; leave Redis as it was.
      const redis = new Redis(config.values.redisUrl);
      const keys = await redis.keys(`${config.values.queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
