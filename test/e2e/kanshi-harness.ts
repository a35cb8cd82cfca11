import type { Server } from 'node:http';
import type { INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { TOPICS, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { IngestKeyRepository } from '@kanshi/persistence';
import { InventoryCache } from '@kanshi/policy-core';
import { committedOffsets, createIngestKey, ingestKeyId, signedMessage, startGroupAtEnd, uniqueId, waitFor } from '@kanshi/testing';
import { startAlertWorker } from '../../apps/alert-worker/src/main';
import { startApi } from '../../apps/api/src/main';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';
import { startPolicyEngine } from '../../apps/policy-engine/src/main';
import { localKafkaSasl, type LocalPrincipal } from '../../infra/scripts/local-kafka';

/**
 * The configuration of an app that talks to Kafka: on the local broker, signed in as that app's
 * own principal (so the tests prove its ACLs suffice); elsewhere as the environment says.
 */
export function configAs(principal: LocalPrincipal, env: Readonly<Record<string, string | undefined>>): AppConfig {
  const sasl = process.env['KANSHI_TEST_LOCAL_KAFKA'] === '1' ? localKafkaSasl(principal) : undefined;
  return loadConfig({ ...env, ...sasl });
}

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
  /**
   * An ingest key of the tenant (made on first use) that the engine already knows, for tests
   * that produce with a client of their own.
   */
  ingestKeyFor(tenantId: string): Promise<string>;
  /**
   * Produces events to the telemetry topic as a plain Kafka client would (key `tenant:model`),
   * each signed with an ingest key of its tenant.
   */
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
export async function startKanshi(overrides: Readonly<Record<string, string>> = {}): Promise<RunningKanshi> {
  const run = uniqueId('e2e');
  const env = {
    ...process.env,
    ...overrides,
    KANSHI_ENGINE_GROUP_ID: `kanshi-policy-engine-${run}`,
    KANSHI_QUEUE_PREFIX: `kanshi-test-${run}`,
    KANSHI_API_PORT: '0',
    KANSHI_GATEWAY_PORT: '0',
    KANSHI_INVENTORY_REFRESH_MS: '300',
  };
  const config = loadConfig(env);
  const kafka = createKafkaClient(kafkaConnectionOf(config), `kanshi-${run}`);
  await startGroupAtEnd(kafka, config.values.engineGroupId, TOPICS.telemetry);
  let producer: Producer | undefined;
  const [engine, worker, api, gateway] = await Promise.all([
    startPolicyEngine(configAs('kanshi-engine', env)),
    startAlertWorker(config),
    startApi(config),
    startIngestGateway(configAs('kanshi-gateway', env)),
  ]);
  const ingestKeys = new Map<string, Promise<string>>();
  const ingestKeyFor = (tenantId: string): Promise<string> => {
    let key = ingestKeys.get(tenantId);
    if (!key) {
      const inventory = engine.get(InventoryCache);
      key = createIngestKey(api.get(DataSource), tenantId, 'e2e harness').then(async (made) => {
        const keyId = ingestKeyId(made);
        await waitFor(`the engine to load ingest key ${keyId}`, () => Promise.resolve(inventory.find(keyId, tenantId) !== undefined || undefined));
        return made;
      });
      ingestKeys.set(tenantId, key);
    }
    return key;
  };
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
      // And the tenant's ingest keys, so records signed with them are not refused as unknown.
      const keys = await new IngestKeyRepository(api.get(DataSource)).listForTenant(tenantId);
      for (const { keyId } of keys.filter((k) => k.revokedAt === null)) {
        await waitFor(`the engine to load ingest key ${keyId}`, () => Promise.resolve(inventory.find(keyId, tenantId) !== undefined || undefined));
      }
    },
    ingestKeyFor,
    async produce(events) {
      if (!producer) {
        producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
        await producer.connect();
      }
      const keys = new Map<string, string>();
      for (const tenantId of new Set(events.map((e) => e.tenant_id))) keys.set(tenantId, await ingestKeyFor(tenantId));
      await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: events.map((e) => signedMessage(keys.get(e.tenant_id) ?? '', e)) });
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
