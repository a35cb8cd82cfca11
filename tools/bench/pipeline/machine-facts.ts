import { cpus, release, totalmem, type as osType, arch } from 'node:os';
import { Redis } from 'ioredis';
import { ConfigResourceTypes } from 'kafkajs';
import { Client } from 'pg';
import type { AppConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { KANSHI_VERSION } from '@kanshi/runtime';
import { withAdmin } from './bench-support';

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly kanshi: string;
  readonly kafka: string;
  readonly postgresql: string;
  readonly redis: string;
}

const failed = (error: unknown) => `unknown (${error instanceof Error ? error.message : String(error)})`;

/**
 * The Kafka protocol carries no release string; the broker's `inter.broker.protocol.version`
 * defaults to its own release (e.g. `3.9-IV0`), which is as close as a client can read.
 */
async function kafkaVersion(config: AppConfig): Promise<string> {
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-bench-facts`);
  return withAdmin(kafka, async (admin) => {
    const cluster = await admin.describeCluster();
    const broker = cluster.brokers[0];
    if (!broker) return 'unknown (no broker)';
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: ['inter.broker.protocol.version'] }],
    });
    const ibp = described.resources[0]?.configEntries.find((e) => e.configName === 'inter.broker.protocol.version')?.configValue;
    return `${ibp?.split('-')[0] ?? '?'} (inter.broker.protocol.version ${ibp ?? '?'}; ${cluster.brokers.length} broker)`;
  });
}

async function postgresVersion(config: AppConfig): Promise<string> {
  const db = new Client({ connectionString: config.values.databaseUrl, application_name: 'kanshi-bench' });
  await db.connect();
  try {
    const result = await db.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await db.end();
  }
}

async function redisVersion(config: AppConfig): Promise<string> {
  const redis = new Redis(config.values.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  try {
    const info = await redis.info('server');
    return /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}

/** The machine and the servers' versions, read from the servers themselves. */
export async function machineFacts(config: AppConfig): Promise<MachineFacts> {
  const [kafka, postgresql, redis] = await Promise.all([
    kafkaVersion(config).catch(failed),
    postgresVersion(config).catch(failed),
    redisVersion(config).catch(failed),
  ]);
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()} ${arch()}`,
    node: process.version,
    kanshi: KANSHI_VERSION,
    kafka,
    postgresql,
    redis,
  };
}
