/** How one environment variable is read. */
export interface ConfigVariable<T> {
  readonly name: string;
  readonly description: string;
  /** Used when the variable is unset or empty; absent = optional with no value. */
  readonly default?: string;
  /** Never logged or echoed back (it may hold a password or a key). */
  readonly sensitive?: boolean;
  /** Returns the value or throws an Error whose message says what is expected. */
  readonly parse: (raw: string) => T;
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new Error(`expected a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

function url(...protocols: string[]) {
  return (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`expected a URL such as ${protocols[0]}//host:port`);
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`expected a ${protocols.join(' or ')} URL`);
    return raw;
  };
}

function oneOf<const T extends string>(...values: T[]) {
  return (raw: string): T => {
    if (!(values as string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}`);
    return raw as T;
  };
}

const text = (raw: string): string => raw;

function brokers(raw: string): string[] {
  const list = raw.split(',').map((b) => b.trim()).filter(Boolean);
  if (list.length === 0 || list.some((b) => !/^[^\s:]+:\d{1,5}$/.test(b))) {
    throw new Error('expected a comma-separated list of host:port');
  }
  return list;
}

function moduleList(raw: string): string[] {
  const list = raw.split(',').map((m) => m.trim()).filter(Boolean);
  if (list.some((m) => /\s/.test(m))) throw new Error('expected a comma-separated list of module paths or package names');
  return list;
}

function identifier(raw: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(raw)) throw new Error('expected letters, digits, ".", "_" or "-"');
  return raw;
}

/**
 * Every environment variable Kanshi reads, in one place. The README's configuration table
 * lists exactly these (a test checks it).
 */
export const CONFIG_VARIABLES = {
  nodeEnv: {
    name: 'NODE_ENV',
    description: '`production` refuses the dev API key and demo defaults; `development` or `test` otherwise.',
    default: 'development',
    parse: oneOf('development', 'production', 'test'),
  },
  bindHost: {
    name: 'KANSHI_BIND_HOST',
    description: 'Address the HTTP apps listen on (`0.0.0.0` in containers).',
    default: '127.0.0.1',
    parse: text,
  },
  apiPort: { name: 'KANSHI_API_PORT', description: 'Port of the `api` app.', default: '3000', parse: integer(0, 65535) },
  gatewayPort: {
    name: 'KANSHI_GATEWAY_PORT',
    description: 'Port of the `ingest-gateway` app.',
    default: '3001',
    parse: integer(0, 65535),
  },
  kafkaBrokers: {
    name: 'KANSHI_KAFKA_BROKERS',
    description: 'Kafka bootstrap servers, comma-separated `host:port`.',
    default: '127.0.0.1:9092',
    parse: brokers,
  },
  kafkaClientId: {
    name: 'KANSHI_KAFKA_CLIENT_ID',
    description: 'Kafka client id prefix; each app appends its name.',
    default: 'kanshi',
    parse: identifier,
  },
  engineGroupId: {
    name: 'KANSHI_ENGINE_GROUP_ID',
    description: 'Consumer group of the policy engine; instances sharing it split the partitions.',
    default: 'kanshi-policy-engine',
    parse: identifier,
  },
  engineFetchMaxBytes: {
    name: 'KANSHI_ENGINE_FETCH_MAX_BYTES',
    description:
      'Most bytes (compressed) the engine fetches from Kafka at once. 2 MiB kept its peak memory at 350 MB instead of 540 MB (10 MiB, kafkajs’ default) through a 1M-event backlog, at the same throughput.',
    default: '2097152',
    parse: integer(65_536, 104_857_600),
  },
  telemetryPartitions: {
    name: 'KANSHI_TELEMETRY_PARTITIONS',
    description: 'Partitions of `kanshi.telemetry.v1` when the topic is created (the most engine instances that share work).',
    default: '6',
    parse: integer(1, 1000),
  },
  databaseUrl: {
    name: 'KANSHI_DATABASE_URL',
    description: 'PostgreSQL connection URL.',
    default: 'postgres://postgres@127.0.0.1:5432/kanshi',
    sensitive: true,
    parse: url('postgres:', 'postgresql:'),
  },
  redisUrl: {
    name: 'KANSHI_REDIS_URL',
    description: 'Redis connection URL (BullMQ queues). Redis must run with `maxmemory-policy noeviction`.',
    default: 'redis://127.0.0.1:6379',
    sensitive: true,
    parse: url('redis:', 'rediss:'),
  },
  queuePrefix: {
    name: 'KANSHI_QUEUE_PREFIX',
    description: 'Redis key prefix of the BullMQ queues; separate installations on one Redis use different prefixes.',
    default: 'kanshi',
    parse: identifier,
  },
  devApiKey: {
    name: 'KANSHI_DEV_API_KEY',
    description: 'Admin key the dev seed creates for the demo tenant (random when unset). Refused when `NODE_ENV=production`.',
    sensitive: true,
    parse: (raw: string): string => {
      if (!/^kanshi_[a-f0-9]{12}_[A-Za-z0-9_-]{32,128}$/.test(raw)) {
        throw new Error('expected a key of the form kanshi_<12 hex>_<32 to 128 url-safe characters>');
      }
      return raw;
    },
  },
  logLevel: {
    name: 'KANSHI_LOG_LEVEL',
    description: 'Least severe log level printed.',
    default: 'log',
    parse: oneOf('fatal', 'error', 'warn', 'log', 'debug', 'verbose'),
  },
  inventoryRefreshMs: {
    name: 'KANSHI_INVENTORY_REFRESH_MS',
    description: 'How often the engine reloads the model inventory into memory.',
    default: '2000',
    parse: integer(100, 3_600_000),
  },
  maxEventBytes: {
    name: 'KANSHI_MAX_EVENT_BYTES',
    description: 'Largest telemetry record the engine reads; larger ones are dead-lettered as `TOO_LARGE`.',
    default: '262144',
    parse: integer(1024, 10_485_760),
  },
  ruleStateIdleDays: {
    name: 'KANSHI_RULE_STATE_IDLE_DAYS',
    description:
      'Rule state with no pending timer (window close, deadline) that no event of its model touched for this many days of event time is dropped from the engine\'s memory and its checkpoint row deleted; the model\'s next event starts that rule afresh.',
    default: '90',
    parse: integer(1, 3650),
  },
  ruleStateMaxBytes: {
    name: 'KANSHI_RULE_STATE_MAX_BYTES',
    description:
      'Largest state one rule may keep for one model (state and timers as JSON); a larger one is logged as that rule\'s failure and reset at the next checkpoint, so it can never stop its partition.',
    default: '262144',
    parse: integer(16_384, 67_108_864),
  },
  gatewayMaxBatch: {
    name: 'KANSHI_GATEWAY_MAX_BATCH',
    description: 'Most events in one `POST /v1/telemetry` batch.',
    default: '1000',
    parse: integer(1, 100_000),
  },
  gatewayBodyLimitBytes: {
    name: 'KANSHI_GATEWAY_BODY_LIMIT_BYTES',
    description: 'Largest `POST /v1/telemetry` body.',
    default: '5242880',
    parse: integer(1024, 104_857_600),
  },
  gatewayKafkaTimeoutMs: {
    name: 'KANSHI_GATEWAY_KAFKA_TIMEOUT_MS',
    description: 'Longest `POST /v1/telemetry` waits for Kafka to store the events before it answers `503` with `Retry-After`.',
    default: '10000',
    parse: integer(500, 120_000),
  },
  sectorModules: {
    name: 'KANSHI_SECTOR_MODULES',
    description:
      'Sector-module plug-ins the engine loads besides the built-in four: comma-separated module paths (relative to the working directory) or package names, each exporting a class decorated with `@SectorModule`.',
    parse: moduleList,
  },
  publicUrl: {
    name: 'KANSHI_PUBLIC_URL',
    description: 'Where risk officers reach the api; links in notifications point under it (`<url>/alerts/<id>`).',
    default: 'http://127.0.0.1:3000',
    parse: (raw: string) => url('http:', 'https:')(raw).replace(/\/+$/, ''),
  },
  workerConcurrency: {
    name: 'KANSHI_WORKER_CONCURRENCY',
    description: 'Jobs the alert worker runs at once per queue.',
    default: '16',
    parse: integer(1, 1000),
  },
  apiRateLimitPerMinute: {
    name: 'KANSHI_RATE_LIMIT_PER_MINUTE',
    description: 'Requests one API key may make to the `api` per minute (a burst of that many, refilled evenly); more get `429` with `Retry-After`. Counted in Redis, shared by every api instance.',
    default: '600',
    parse: integer(1, 1_000_000),
  },
  gatewayRateLimitPerMinute: {
    name: 'KANSHI_GATEWAY_RATE_LIMIT_PER_MINUTE',
    description: 'Requests one API key may make to the `ingest-gateway` per minute (a burst of that many, refilled evenly); more get `429` with `Retry-After`. Counted in Redis, shared by every gateway instance.',
    default: '6000',
    parse: integer(1, 1_000_000),
  },
} as const satisfies Record<string, ConfigVariable<unknown>>;

export type ConfigKey = keyof typeof CONFIG_VARIABLES;

type ValueOf<K extends ConfigKey> = ReturnType<(typeof CONFIG_VARIABLES)[K]['parse']>;

/** The parsed configuration: one typed value per variable (`undefined` when optional and unset). */
export type ConfigValues = {
  readonly [K in ConfigKey]: (typeof CONFIG_VARIABLES)[K] extends { default: string } ? ValueOf<K> : ValueOf<K> | undefined;
};
