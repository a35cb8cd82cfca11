import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, ensureAcls, ensureTopics, kafkaConnectionOf, kanshiAclPlan, kanshiTopics } from '@kanshi/messaging';
import { dropDatabase, ensureDatabase, grantAppRole, migrate } from '@kanshi/persistence';
import { isLocalBroker, withLocalKafkaPrincipal } from './local-kafka';
import { ensurePostgres, ensureRedis, InfraError, step, stopIfStartedByUs } from './local-services';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const KAFKA_SCRIPT = join(REPO_ROOT, 'infra', 'kafka', 'kafka.sh');

/** The database the tests use: the configured one with `_test` appended. */
export function testDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.endsWith('_test')) parsed.pathname = `${parsed.pathname}_test`;
  return parsed.toString();
}

/** Runs infra/kafka/kafka.sh with the broker port taken from KANSHI_KAFKA_BROKERS. */
function kafkaScript(command: string, brokers: readonly string[]): void {
  const port = brokers[0]?.split(':')[1] ?? '9092';
  const result = spawnSync('bash', [KAFKA_SCRIPT, command], { stdio: 'inherit', env: { ...process.env, KANSHI_KAFKA_PORT: port } });
  if (result.status !== 0) throw new InfraError(`infra/kafka/kafka.sh ${command} failed (exit ${result.status ?? 'signal'})`);
}

async function waitForKafka(config: AppConfig): Promise<void> {
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-infra`);
  const admin = kafka.admin();
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      step(`Kafka cluster ${cluster.clusterId} ready (${cluster.brokers.length} broker, controller ${cluster.controller ?? '?'})`);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new InfraError(`Kafka did not answer describeCluster in 90s: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const partitions = await ensureTopics(kafka, kanshiTopics(config.values.telemetryPartitions));
  for (const [topic, count] of partitions) step(`topic ${topic}: ${count} partitions`);
  await admin.disconnect();
  if (config.values.kafkaSaslMechanism === 'none') {
    step('Kafka: no SASL principal configured; not writing ACLs');
    return;
  }
  try {
    const count = await ensureAcls(kafka, kanshiAclPlan(config.values.engineGroupId));
    step(`Kafka ACLs: ${count} grants for the engine, gateway, producer and operator principals`);
  } catch (error) {
    // A cluster run by someone else: its operators grant the ACLs (docs/security.md lists them).
    step(`Kafka ACLs not written as ${config.values.kafkaSaslUsername ?? '?'} (${error instanceof Error ? error.message : String(error)}); grant them as docs/security.md lists`);
  }
}

/** Creates and migrates the database as its owner, then grants the apps' role (after every migration, so new tables are covered). */
async function prepareDatabase(ownerUrl: string, appUrl: string): Promise<void> {
  const name = new URL(ownerUrl).pathname.slice(1);
  if (await ensureDatabase(ownerUrl)) step(`database ${name} created`);
  const ran = await migrate(ownerUrl);
  step(`database ${name}: ${ran.length === 0 ? 'schema up to date' : `ran ${ran.join(', ')}`}`);
  const grants = await grantAppRole(ownerUrl, appUrl);
  step(
    grants.kind === 'same-role'
      ? `database ${name}: the apps connect as the owner "${grants.role}" (set KANSHI_DATABASE_MIGRATION_URL to the owner and KANSHI_DATABASE_URL to a plain role to split them)`
      : `database ${name}: role "${grants.role}"${grants.created ? ' created and' : ''} granted rows on ${grants.tables} tables (${grants.appendOnly.join(', ')}: insert and read only)`,
  );
}

async function up(config: AppConfig): Promise<void> {
  const { databaseUrl, databaseMigrationUrl, redisUrl, kafkaBrokers } = config.values;
  await ensurePostgres(databaseMigrationUrl);
  await ensureRedis(redisUrl);
  if (isLocalBroker(kafkaBrokers)) kafkaScript('start', kafkaBrokers);
  else step(`Kafka at ${kafkaBrokers.join(',')} is not local; not starting a broker`);
  // The local broker's principals exist once it has started: sign in as its super user.
  await waitForKafka(loadConfig(withLocalKafkaPrincipal(process.env, 'kanshi-admin')));
  await prepareDatabase(databaseMigrationUrl, databaseUrl);
  await prepareDatabase(testDatabaseUrl(databaseMigrationUrl), testDatabaseUrl(databaseUrl));
  step('infrastructure is up');
}

/**
 * For a deployment (the Kubernetes migration Job, Compose's `migrate`): the servers checked,
 * topics, ACLs, migrations and grants on the configured servers; nothing started, no test database.
 */
async function migrateForDeployment(config: AppConfig): Promise<void> {
  const { databaseUrl, databaseMigrationUrl, redisUrl } = config.values;
  // Checked, never started: a server that does not answer fails the run (the Job is retried).
  await ensurePostgres(databaseMigrationUrl, { start: false });
  await ensureRedis(redisUrl, { start: false });
  await waitForKafka(loadConfig(withLocalKafkaPrincipal(process.env, 'kanshi-admin')));
  await prepareDatabase(databaseMigrationUrl, databaseUrl);
  step('migrated');
}

function down(config: AppConfig): void {
  if (isLocalBroker(config.values.kafkaBrokers)) kafkaScript('stop', config.values.kafkaBrokers);
  stopIfStartedByUs('redis', config.values.redisUrl);
  stopIfStartedByUs('postgres', config.values.databaseMigrationUrl);
}

/** Deletes Kafka's data, both databases and the queue keys: a clean slate for the next `up`. */
async function reset(config: AppConfig): Promise<void> {
  const { databaseMigrationUrl, redisUrl, queuePrefix, kafkaBrokers } = config.values;
  if (isLocalBroker(kafkaBrokers)) kafkaScript('reset', kafkaBrokers);
  for (const url of [databaseMigrationUrl, testDatabaseUrl(databaseMigrationUrl)]) {
    await dropDatabase(url);
    step(`database ${new URL(url).pathname.slice(1)} dropped`);
  }
  const redis = new Redis(redisUrl);
  let removed = 0;
  for (const pattern of [`${queuePrefix}:*`, `${queuePrefix}-test*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
  }
  redis.disconnect();
  step(`Redis: ${removed} queue keys removed`);
}

async function main(): Promise<void> {
  const command = process.argv[2];
  const config = loadConfig();
  switch (command) {
    case 'up':
      return up(config);
    case 'migrate':
      return migrateForDeployment(config);
    case 'down':
      down(config);
      return;
    case 'reset':
      return reset(config);
    default:
      throw new InfraError(`usage: infra.js up|migrate|down|reset (got "${command ?? ''}")`);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`\n✖ ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
