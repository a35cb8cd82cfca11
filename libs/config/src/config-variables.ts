import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';

/** How one environment variable is read. */
export interface ConfigVariable<T> {
  readonly name: string;
  readonly description: string;
  /** Used when the variable is unset or empty; absent = optional with no value. */
  readonly default?: string;
  /** Used instead of a fixed `default` when the default depends on other variables (the description says how). */
  readonly defaultFrom?: (env: Readonly<Record<string, string | undefined>>) => string;
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

/** A fraction from 0 to 1, such as a sampling ratio. */
function fraction(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new Error('expected a number from 0 to 1, such as 0.01');
  return value;
}

/** What every error about a secrets key says: how to make a good one. */
const MAKE_A_KEY = 'make one with `openssl rand -base64 32`';

/**
 * The 32 bytes of a secrets key given as hex (64 characters) or base64 (standard or URL-safe,
 * padded or not). Throws an Error saying what is expected, never quoting the value.
 */
export function decodeSecretsKey(raw: string): Buffer {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  throw new Error(`expected 32 random bytes as base64 (44 characters) or hex (64 characters); ${MAKE_A_KEY}`);
}

/**
 * The development fallback of `KANSHI_SECRETS_KEY`: a fixed, published key, so that a laptop
 * needs no setup. It protects nothing, and production refuses it.
 */
export const DEVELOPMENT_SECRETS_KEY: Buffer = Buffer.from('kanshi-development-key-NOTSECRET', 'utf8');

function secretsKey(raw: string): string {
  decodeSecretsKey(raw);
  return raw;
}

function secretsKeyList(raw: string): string[] {
  const list = raw.split(',').map((k) => k.trim()).filter(Boolean);
  list.forEach((key, i) => {
    try {
      decodeSecretsKey(key);
    } catch (error) {
      throw new Error(`key ${i + 1} of ${list.length}: ${(error as Error).message}`);
    }
  });
  return list;
}

function boolean(raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error('expected true or false');
}

function readableFile(raw: string): string {
  try {
    accessSync(raw, constants.R_OK);
  } catch {
    throw new Error('expected the path of a readable file');
  }
  return raw;
}

/** One entry of `KANSHI_OUTBOUND_ALLOWLIST`: an address, a CIDR block, a host name or `*.` and a domain. */
function allowlistEntry(entry: string): string {
  const [address, prefix, extra] = entry.split('/');
  if (address !== undefined && isIP(address) !== 0) {
    const bits = isIP(address) === 4 ? 32 : 128;
    if (extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))) return entry.toLowerCase();
    throw new Error(`"${entry}": a CIDR block needs a prefix length from 0 to ${bits}`);
  }
  if (/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(entry) && entry.length <= 253) return entry.toLowerCase();
  throw new Error(`"${entry}" is neither an address, a CIDR block (10.20.0.0/16, fd00::/8) nor a host name (hooks.corp.example, *.corp.example)`);
}

function allowlist(raw: string): string[] {
  return raw.split(',').map((e) => e.trim()).filter(Boolean).map(allowlistEntry);
}

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

/** The schema owner on a local server with trust authentication (what `infra:up` migrates with by default). */
const LOCAL_OWNER_URL = 'postgres://postgres@127.0.0.1:5432/kanshi';

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
  engineHttpPort: {
    name: 'KANSHI_ENGINE_HTTP_PORT',
    description:
      'Port of the `policy-engine` app\'s operations endpoint: `GET /metrics` (Prometheus), `GET /health/live` and `GET /health/ready` (PostgreSQL, Redis, Kafka answer; member of its group, no held partition stuck); `0` takes any free port.',
    default: '3002',
    parse: integer(0, 65535),
  },
  workerHttpPort: {
    name: 'KANSHI_WORKER_HTTP_PORT',
    description:
      'Port of the `alert-worker` app\'s operations endpoint: `GET /metrics` (Prometheus, with the queues\' depths), `GET /health/live` and `GET /health/ready` (PostgreSQL and Redis answer); `0` takes any free port.',
    default: '3003',
    parse: integer(0, 65535),
  },
  kafkaBrokers: {
    name: 'KANSHI_KAFKA_BROKERS',
    description: 'Kafka bootstrap servers, comma-separated `host:port`.',
    default: '127.0.0.1:9092',
    parse: brokers,
  },
  kafkaSaslMechanism: {
    name: 'KANSHI_KAFKA_SASL_MECHANISM',
    description:
      'How Kanshi authenticates to Kafka: `none`, `scram-sha-512`, `scram-sha-256` or `plain` (only over TLS in production). Each app should have a principal of its own (see docs/security.md).',
    default: 'none',
    parse: oneOf('none', 'scram-sha-512', 'scram-sha-256', 'plain'),
  },
  kafkaSaslUsername: {
    name: 'KANSHI_KAFKA_SASL_USERNAME',
    description: 'SASL user name of this app\'s Kafka principal (required with a SASL mechanism).',
    parse: text,
  },
  kafkaSaslPassword: {
    name: 'KANSHI_KAFKA_SASL_PASSWORD',
    description: 'SASL password of this app\'s Kafka principal (required with a SASL mechanism).',
    sensitive: true,
    parse: text,
  },
  kafkaTls: {
    name: 'KANSHI_KAFKA_TLS',
    description: '`true` connects to Kafka over TLS (the broker\'s certificate is checked against the system CAs or `KANSHI_KAFKA_TLS_CA_FILE`).',
    default: 'false',
    parse: boolean,
  },
  kafkaTlsCaFile: {
    name: 'KANSHI_KAFKA_TLS_CA_FILE',
    description: 'PEM file of the certificate authorities that sign the brokers\' certificates (a private CA); unset: the system CAs.',
    parse: readableFile,
  },
  kafkaTlsCertFile: {
    name: 'KANSHI_KAFKA_TLS_CERT_FILE',
    description: 'PEM file of this app\'s client certificate, for brokers that authenticate clients by certificate (mTLS); with `KANSHI_KAFKA_TLS_KEY_FILE`.',
    parse: readableFile,
  },
  kafkaTlsKeyFile: {
    name: 'KANSHI_KAFKA_TLS_KEY_FILE',
    description: 'PEM file of the private key of `KANSHI_KAFKA_TLS_CERT_FILE` (unencrypted; protect it with file permissions).',
    parse: readableFile,
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
  engineHeapGrowingPercent: {
    name: 'KANSHI_ENGINE_HEAP_GROWING_PERCENT',
    description:
      'How far the engine lets V8 grow its heap past what the last full collection kept, in percent (V8’s --heap-growing-percent; 0 leaves V8’s own factor, up to 4×). A flood or a backlog allocates fast and most of it dies within a batch: V8 kept 164 MB in use where 49 MB were live. At 30 the engine peaked at 249 MB instead of 351 MB through a 1M-event backlog, at 7 % less throughput (docs/performance.md). Not a cap: the heap still grows with the rule state.',
    default: '30',
    parse: integer(0, 400),
  },
  engineSessionTimeoutMs: {
    name: 'KANSHI_ENGINE_SESSION_TIMEOUT_MS',
    description:
      'How long the Kafka group waits for a silent engine instance (killed, frozen host) before its partitions move to the others. A live instance heartbeats every tenth of it (at most 1 s), through long batches and outages alike, so this bounds only failover: at 8 s a killed engine’s partitions were processed again after 9.3 s (median; 9.4 s max), at 10 s after 11 s (docs/performance.md). The broker accepts 6000 to 300000 by default.',
    default: '8000',
    parse: integer(6000, 300_000),
  },
  telemetryPartitions: {
    name: 'KANSHI_TELEMETRY_PARTITIONS',
    description: 'Partitions of `kanshi.telemetry.v1` when the topic is created (the most engine instances that share work).',
    default: '6',
    parse: integer(1, 1000),
  },
  databaseUrl: {
    name: 'KANSHI_DATABASE_URL',
    description:
      'PostgreSQL URL the apps and tools connect with: a role that may only read and write rows (no DDL, no `TRUNCATE`, nothing on the append-only history and audit log but `INSERT` and `SELECT`). `npm run infra:up` creates `kanshi_app` when it is missing and grants it after every migration; see [docs/database.md](docs/database.md).',
    default: 'postgres://kanshi_app@127.0.0.1:5432/kanshi',
    sensitive: true,
    parse: url('postgres:', 'postgresql:'),
  },
  databaseMigrationUrl: {
    name: 'KANSHI_DATABASE_MIGRATION_URL',
    description:
      'PostgreSQL URL of the schema owner, used only by `infra:up` (Compose: `migrate`) to create the database, run the migrations and grant the apps’ role. Default: `KANSHI_DATABASE_URL` when that is set (one role for everything, as before), else `postgres://postgres@127.0.0.1:5432/kanshi`.',
    defaultFrom: (env) => (env['KANSHI_DATABASE_URL'] ? env['KANSHI_DATABASE_URL'] : LOCAL_OWNER_URL),
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
  tracing: {
    name: 'KANSHI_TRACING',
    description:
      '`otlp` exports OpenTelemetry traces over OTLP/HTTP to `KANSHI_TRACING_OTLP_URL`: a telemetry event followed from the gateway request or its producer\'s `traceparent` Kafka header through the engine\'s batch and the alert job to the stored alert (docs/operations.md#traces); `off`: no spans are made.',
    default: 'off',
    parse: oneOf('off', 'otlp'),
  },
  tracingOtlpUrl: {
    name: 'KANSHI_TRACING_OTLP_URL',
    description: 'Where traces go with `KANSHI_TRACING=otlp`: an OpenTelemetry collector\'s (or Jaeger\'s, Tempo\'s) OTLP/HTTP traces endpoint.',
    default: 'http://127.0.0.1:4318/v1/traces',
    parse: url('http:', 'https:'),
  },
  tracingSampleRatio: {
    name: 'KANSHI_TRACING_SAMPLE_RATIO',
    description:
      'Share of the traces Kanshi starts (gateway requests without a `traceparent`) that are recorded; a producer\'s `traceparent` decides for its own events (its sampled flag is followed).',
    default: '0.01',
    parse: fraction,
  },
  logFormat: {
    name: 'KANSHI_LOG_FORMAT',
    description:
      '`json`: one JSON object per line (`level`, `pid`, `timestamp`, `app`, `context`, `message`, and `tenant_id`, `model_id`, `rule_id`, `alert_id`, `job_id` on the lines about one), for a log pipeline; `text`: readable lines. Default `json` when `NODE_ENV=production`, `text` otherwise.',
    parse: oneOf('json', 'text'),
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
    description:
      'Jobs the alert worker runs at once on the `notifications` and `escalations` queues. Deliveries mostly wait on the network, and group runs and deliveries that run at once share their database statements, so more at once means fewer statements per notification: on 2 cores, 64 delivered 396 webhooks/s against 211 with 16 (docs/performance.md).',
    default: '64',
    parse: integer(1, 1000),
  },
  alertJobConcurrency: {
    name: 'KANSHI_WORKER_ALERT_CONCURRENCY',
    description:
      'Jobs the alert worker runs at once on the `alerts` queue. Each set of raises is one database transaction over up to 256 alerts, so a few at a time keep PostgreSQL busy without its transactions waiting on each other: on 2 cores, 4 persisted more than 16 and cut the tail of another tenant\'s critical alert in a storm threefold (docs/performance.md). Raise it with the database\'s cores.',
    default: '4',
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
  secretsKey: {
    name: 'KANSHI_SECRETS_KEY',
    description:
      'Key that seals channel secrets and webhook URLs in PostgreSQL (AES-256-GCM): 32 random bytes as base64 or hex; make one with `openssl rand -base64 32`. Required when `NODE_ENV=production`; elsewhere a fixed, public development key stands in (with a warning). Rotation: [docs/security.md](docs/security.md).',
    sensitive: true,
    parse: secretsKey,
  },
  secretsPreviousKeys: {
    name: 'KANSHI_SECRETS_PREVIOUS_KEYS',
    description: 'Older keys, comma-separated, only to open values sealed before a rotation, until `npm run secrets -- reseal` has sealed them again with `KANSHI_SECRETS_KEY`.',
    sensitive: true,
    parse: secretsKeyList,
  },
  evidenceSigningKey: {
    name: 'KANSHI_EVIDENCE_SIGNING_KEY',
    description:
      'The Ed25519 key that signs checkpoints of the evidence ledger: its 32-byte seed as base64 or hex (`openssl rand -base64 32`); or set `KANSHI_EVIDENCE_SIGNING_KEY_FILE` instead. Set the same key for the API and the alert worker. Required when `NODE_ENV=production`; elsewhere a fixed, public development key stands in (with a warning). See [docs/evidence.md](docs/evidence.md).',
    sensitive: true,
    parse: secretsKey,
  },
  evidenceSigningKeyFile: {
    name: 'KANSHI_EVIDENCE_SIGNING_KEY_FILE',
    description: 'A PEM file holding the Ed25519 private key that signs the ledger\'s checkpoints (`openssl genpkey -algorithm ed25519 -out evidence.pem`), instead of `KANSHI_EVIDENCE_SIGNING_KEY`.',
    parse: readableFile,
  },
  evidenceCheckpointIntervalMs: {
    name: 'KANSHI_EVIDENCE_CHECKPOINT_INTERVAL_MS',
    description: 'How often the alert worker signs a checkpoint of each tenant\'s ledger whose chain grew since the last one, in ms (risk officers can also ask for one: `POST /v1/evidence/checkpoints`). Entries after the last checkpoint are protected by the chain alone.',
    default: '3600000',
    parse: integer(1000, 86_400_000),
  },
  evidenceBundleTtlHours: {
    name: 'KANSHI_EVIDENCE_BUNDLE_TTL_HOURS',
    description: 'How long an evidence bundle made through the API (`POST /v1/evidence/bundles`) and its archive are kept, in hours; then the alert worker deletes them.',
    default: '168',
    parse: integer(1, 8760),
  },
  reportFont: {
    name: 'KANSHI_REPORT_FONT',
    description:
      "The TrueType or OpenType font with Japanese glyphs that evidence reports embed (only the glyphs used). Unset: Debian's `fonts-ipafont-gothic` (`/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf`), which `npm test` and the container image install.",
    parse: readableFile,
  },
  evidenceSealIntervalMs: {
    name: 'KANSHI_EVIDENCE_SEAL_INTERVAL_MS',
    description: 'How often the alert worker chains the changes captured since its last pass into the evidence ledger, in ms.',
    default: '1000',
    parse: integer(100, 60_000),
  },
  outboundAllowlist: {
    name: 'KANSHI_OUTBOUND_ALLOWLIST',
    description:
      'Destinations webhooks, Slack and SMTP may reach although their address is loopback, private, link-local or otherwise internal: comma-separated addresses, CIDR blocks (`10.20.0.0/16`, `fd00::/8`) and host names (`hooks.corp.example`, `*.corp.example`). Empty: none. See [docs/security.md](docs/security.md).',
    parse: allowlist,
  },
  channelRecipientsQuota: {
    name: 'KANSHI_QUOTA_CHANNEL_RECIPIENTS',
    description: 'Most recipients (`config.to`) one email channel may have; more get `400` naming the field.',
    default: '50',
    parse: integer(1, 1000),
  },
  eventsPerMinuteQuota: {
    name: 'KANSHI_QUOTA_EVENTS_PER_MINUTE',
    description:
      'Telemetry events of one tenant each engine instance evaluates per minute, counted by when they reached Kafka (so a backlog is judged at the pace it arrived), at most a sixth of it in any 10 s; more are dead-lettered as `QUOTA_EXCEEDED` and raise the tenant\'s `Q1` alert. Per instance: n instances let a tenant through up to n times as many. Size it below what an instance evaluates (see docs/security.md).',
    default: '120000',
    parse: integer(1, 1_000_000_000),
  },
  unregisteredModelsPerDayQuota: {
    name: 'KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY',
    description:
      'New models outside the inventory one tenant may send telemetry for per UTC day (each engine instance counts its partitions); events of further ones are dead-lettered as `QUOTA_EXCEEDED` and raise the tenant\'s `Q1` alert.',
    default: '1000',
    parse: integer(1, 10_000_000),
  },
  alertCreationsPerMinuteQuota: {
    name: 'KANSHI_QUOTA_ALERT_CREATIONS_PER_MINUTE',
    description:
      'New alerts one tenant may get per minute, counted in Redis by every alert worker together; findings for further new alerts wait for the next minute (findings of existing alerts are never held) and raise the tenant\'s `Q1` alert.',
    default: '30000',
    parse: integer(1, 100_000_000),
  },
  alertJobsFairSharePerMinute: {
    name: 'KANSHI_ALERT_JOBS_FAIR_SHARE_PER_MINUTE',
    description:
      'Alert jobs one tenant queues per minute (per engine instance, and per alert worker for the jobs it queues), and group runs and deliveries per minute (per alert worker), before its further jobs of that minute wait behind the other tenants\' (a BullMQ priority that grows with each share used, so a tenant a little over still goes before one far over): one tenant\'s incident storm or flood delays its own alerts and notifications, not the others\'. Critical raises and critical groups count in a share of their own. Nothing is refused.',
    default: '60',
    parse: integer(1, 100_000_000),
  },
  notificationsPerMinuteQuota: {
    name: 'KANSHI_QUOTA_NOTIFICATIONS_PER_MINUTE',
    description:
      'Notifications one tenant may have delivered per minute, counted in Redis by every alert worker together; further ones wait for the next minute and raise the tenant\'s `Q1` alert.',
    default: '600',
    parse: integer(1, 10_000_000),
  },
} as const satisfies Record<string, ConfigVariable<unknown>>;

export type ConfigKey = keyof typeof CONFIG_VARIABLES;

type ValueOf<K extends ConfigKey> = ReturnType<(typeof CONFIG_VARIABLES)[K]['parse']>;

/** The parsed configuration: one typed value per variable (`undefined` when optional and unset). */
export type ConfigValues = {
  readonly [K in ConfigKey]: (typeof CONFIG_VARIABLES)[K] extends { default: string } | { defaultFrom: unknown } ? ValueOf<K> : ValueOf<K> | undefined;
};
