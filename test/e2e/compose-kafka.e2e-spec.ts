import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { createKafkaClient, ensureAcls, ensureTopics, KAFKA_PRINCIPALS, kafkaConnectionOf, kanshiAclPlan, kanshiTopics } from '@kanshi/messaging';
import { uniqueId, waitFor } from '@kanshi/testing';
import {
  bindMountsOf,
  commandOf,
  environmentOf,
  imageServerProperties,
  interpolatedVariables,
  loadCompose,
  scramUsersOf,
  service,
} from '../compose-file';
import { ROOT } from './run-built-app';
import { KAFKA_VERSION, kafkaVersionDir, sparePorts } from './spare-kafka';

/**
 * docker-compose.yml's Kafka, run without Docker: the same Kafka release as its image, the
 * `kafka` service's environment and command (deploy/kafka/start-kafka.sh, as mounted), and the
 * image's own code (kafka.docker.KafkaDockerWrapper) rendering server.properties from it, in a
 * temporary directory laid out as the image is, on spare loopback ports. Then each Kanshi
 * service signs in with the credentials the file gives it.
 */
describe("docker-compose.yml's Kafka (its settings on a real broker, without Docker)", () => {
  const image = mkdtempSync(join(tmpdir(), 'kanshi-compose-kafka-'));
  /** A container path as it is laid out under `image`. */
  const inImage = (path: string) => join(image, path);
  const libs = () => join(kafkaVersionDir(), 'libs');
  const output = join(image, 'broker-output.log');
  let broker: ChildProcess | undefined;
  let kafkaEnv: Record<string, string> = {};
  let clientPort = 0;
  let healthcheck = '';
  /** A value of the container moved onto this machine: its ports to spare ones, its paths under `image`. */
  let relocated: (value: string) => string = (value) => value;
  let configOf: (name: string) => AppConfig = () => {
    throw new Error('not set up');
  };

  // Passwords chosen here, as an operator's .env would: they must reach the broker and the apps.
  const passwords = Object.fromEntries(
    [...interpolatedVariables()].filter((name) => /^KAFKA_[A-Z]+_PASSWORD$/.test(name)).map((name) => [name, randomBytes(18).toString('base64')]),
  );
  const compose = loadCompose(passwords);
  const kafka = service(compose, 'kafka');

  const quiet = (client: Kafka): Kafka => {
    client.logger().setLogLevel(logLevel.NOTHING);
    return client;
  };
  const clientOf = (name: string) => quiet(createKafkaClient(kafkaConnectionOf(configOf(name)), uniqueId(`compose-${name}`), { retries: 1 }));
  /** A client signed in as a principal the compose file gives no service (producers, the DLQ tool). */
  const clientAs = (principal: string, password: string | undefined) =>
    quiet(
      new Kafka({
        clientId: uniqueId(`compose-${principal}`),
        brokers: [`127.0.0.1:${clientPort}`],
        sasl: { mechanism: 'scram-sha-512', username: principal, password: password ?? '' },
        retry: { retries: 0 },
        connectionTimeout: 3000,
      }),
    );

  const describeCluster = async (client: Kafka) => {
    const admin = client.admin();
    await admin.connect();
    try {
      return await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  };

  /** Produces one record: `ok`, `denied` (an ACL refused it) or the error. */
  const produce = async (client: Kafka, topic: string, value: string): Promise<string> => {
    const producer = client.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'compose-test:probe', value }] });
      return 'ok';
    } catch (error) {
      const { type, message } = error as { type?: string; message?: string };
      const text = `${type ?? ''} ${message ?? String(error)}`;
      return /AUTHORIZATION_FAILED|Not authorized/.test(text) ? 'denied' : text;
    } finally {
      await producer.disconnect();
    }
  };

  /** Starts the `kafka` service's command as the container would, and waits until kanshi-admin gets in. */
  async function startBroker(): Promise<void> {
    const mounts = bindMountsOf(kafka);
    const command = commandOf(kafka).map((arg) => mounts.get(arg) ?? arg);
    const log = openSync(output, 'a');
    const child = spawn(command[0] ?? 'bash', command.slice(1), {
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        ...(process.env['JAVA_HOME'] ? { JAVA_HOME: process.env['JAVA_HOME'] } : {}),
        TMPDIR: image,
        ...kafkaEnv,
        BROKER_HOME: inImage('opt/kafka'),
        BROKER_RUN: inImage('etc/kafka/docker/run'),
      },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    broker = child;
    await waitFor(
      'the broker to let kanshi-admin in',
      async () => {
        if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode}):\n${readFileSync(output, 'utf8').slice(-3000)}`);
        return (await describeCluster(clientOf('migrate'))).brokers.length > 0 || undefined;
      },
      90_000,
      500,
    );
  }

  async function stopBroker(): Promise<void> {
    const child = broker;
    broker = undefined;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGTERM');
    // A broker that does not finish its shutdown is killed, so the spec never hangs on it.
    await waitFor('the broker to stop', () => Promise.resolve(child.exitCode !== null || child.signalCode !== null || undefined), 30_000).catch(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    });
    await exited;
  }

  /** The healthcheck's command, run with the container's environment; its exit code. */
  const runHealthcheck = (env: Record<string, string> = {}) =>
    spawnSync('sh', ['-c', healthcheck], { env: { PATH: process.env['PATH'], ...kafkaEnv, ...env }, timeout: 60_000 }).status;

  beforeAll(async () => {
    // The jars of the image's release.
    expect(kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    const jars = `${libs()}/*`;

    // The container's ports, moved to spare loopback ports; its paths, under `image`.
    const raw = environmentOf(kafka);
    const containerPorts = [...new Set([...(raw['KAFKA_LISTENERS'] ?? '').matchAll(/:(\d+)/g)].map((m) => m[1] ?? ''))];
    const ports = await sparePorts(containerPorts.length);
    const portMap = new Map(containerPorts.map((port, i) => [port, String(ports[i])]));
    clientPort = Number(portMap.get(/:(\d+)/.exec(raw['KAFKA_ADVERTISED_LISTENERS'] ?? '')?.[1] ?? ''));
    relocated = (value: string) =>
      value
        .replace(/(^|[/@\s,])(?:[a-z][\w.-]*|\d+\.\d+\.\d+\.\d+)?:(\d+)\b/g, (whole, before: string, port: string) =>
          portMap.has(port) ? `${before}127.0.0.1:${portMap.get(port)}` : whole,
        )
        .replace(/(^|[\s="])\/(opt\/kafka|var\/lib\/kafka|etc\/kafka|mnt\/shared)\b/g, (_, before: string, path: string) => `${before}${inImage(path)}`);
    kafkaEnv = Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, relocated(value ?? '')]));
    healthcheck = relocated([kafka.healthcheck?.test ?? []].flat().slice(1).join(' '));

    for (const dir of ['opt/kafka/bin', 'opt/kafka/config', 'etc/kafka/docker', 'mnt/shared/config', 'var/lib/kafka/data', 'logs']) {
      mkdirSync(inImage(dir), { recursive: true });
    }
    // The image's defaults: its log4j files (here the local broker's), and a server.properties
    // used only when the environment gives no property.
    copyFileSync(join(ROOT, 'infra', 'kafka', 'log4j.properties'), inImage('etc/kafka/docker/log4j.properties'));
    copyFileSync(join(ROOT, 'infra', 'kafka', 'tools-log4j.properties'), inImage('etc/kafka/docker/tools-log4j.properties'));
    writeFileSync(inImage('etc/kafka/docker/server.properties'), '# unused: the environment gives the properties\n');
    const tool = (main: string) =>
      `#!/usr/bin/env bash\n# As the image's bin/ scripts (kafka-run-class.sh): KAFKA_OPTS word-split, the same jars.\n` +
      `exec java $KAFKA_OPTS -Dlog4j.configuration=file:${inImage('etc/kafka/docker/tools-log4j.properties')} -cp "${jars}" ${main} "$@"\n`;
    writeFileSync(inImage('opt/kafka/bin/kafka-storage.sh'), tool('kafka.tools.StorageTool'), { mode: 0o755 });
    writeFileSync(inImage('opt/kafka/bin/kafka-broker-api-versions.sh'), tool('kafka.admin.BrokerApiVersionsCommand'), { mode: 0o755 });
    writeFileSync(inImage('opt/kafka/bin/kafka-configs.sh'), tool('kafka.admin.ConfigCommand'), { mode: 0o755 });
    // The image's /etc/kafka/docker/run (its launch step): the wrapper renders the properties and
    // formats the storage, where "already formatted" is let pass; then the broker starts.
    writeFileSync(
      inImage('etc/kafka/docker/run'),
      [
        '#!/usr/bin/env bash',
        'set -o nounset -o errexit',
        `result=$(java $KAFKA_OPTS -cp "${jars}" kafka.docker.KafkaDockerWrapper setup --default-configs-dir ${inImage('etc/kafka/docker')} ` +
          `--mounted-configs-dir ${inImage('mnt/shared/config')} --final-configs-dir ${inImage('opt/kafka/config')} 2>&1) || ` +
          'echo $result | grep -i "already formatted" || { echo $result && (exit 1) }',
        `exec java -Xmx512m $KAFKA_OPTS -Dlog4j.configuration=file:${inImage('opt/kafka/config/log4j.properties')} -Dkafka.logs.dir=${inImage('logs')} ` +
          `-cp "${jars}" kafka.Kafka ${inImage('opt/kafka/config/server.properties')}`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );

    configOf = (name: string) => loadConfig({ ...environmentOf(service(compose, name)), KANSHI_KAFKA_BROKERS: `127.0.0.1:${clientPort}` });
    await startBroker();
  }, 120_000);

  afterAll(async () => {
    await stopBroker();
    rmSync(image, { recursive: true, force: true });
  }, 60_000);

  it('formats the storage with the SCRAM users, and the image renders the properties the file gives', () => {
    const log = readFileSync(output, 'utf8');
    expect(log).toMatch(/Formatting the storage with SCRAM-SHA-512 users/);
    // The image's own format then finds the storage formatted, which its run script lets pass.
    expect(log).toMatch(/already formatted/i);
    const rendered = new Map(
      readFileSync(inImage('opt/kafka/config/server.properties'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('=') && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    // The rendering test/docker-compose.spec.ts checks is the image's.
    expect(rendered).toEqual(imageServerProperties(kafkaEnv));
    expect(rendered.get('allow.everyone.if.no.acl.found')).toBe('false');
  });

  it('refuses a client that does not authenticate, or with a wrong password', async () => {
    const anonymous = quiet(new Kafka({ clientId: uniqueId('anonymous'), brokers: [`127.0.0.1:${clientPort}`], retry: { retries: 0 }, connectionTimeout: 3000 }));
    await expect(describeCluster(anonymous)).rejects.toThrow();
    await expect(describeCluster(clientAs(KAFKA_PRINCIPALS.gateway, 'not-the-password'))).rejects.toThrow(/SASL|authentication/i);
  });

  it('lets migrate, as kanshi-admin, create the topics and write the ACL plan, as infra.js up does', async () => {
    const values = configOf('migrate').values;
    const client = clientOf('migrate');
    const partitions = await ensureTopics(client, kanshiTopics(values.telemetryPartitions));
    expect(partitions.get(TOPICS.telemetry)).toBe(values.telemetryPartitions);
    expect(await ensureAcls(client, kanshiAclPlan(values.engineGroupId))).toBeGreaterThan(0);
  });

  it('lets each Kanshi service in as its own principal, with the password the file gives it, to do its work and no more', async () => {
    const probe = uniqueId('compose-probe');
    // The broker applies new ACLs from its metadata log a moment after the controller took them.
    await waitFor('the gateway to be let write telemetry', async () => ((await produce(clientOf('ingest-gateway'), TOPICS.telemetry, probe)) === 'ok' ? true : undefined));
    expect(await produce(clientOf('ingest-gateway'), TOPICS.telemetryDeadLetter, probe)).toBe('denied');
    expect(await produce(clientOf('policy-engine'), TOPICS.telemetryDeadLetter, probe)).toBe('ok');

    // The engine reads telemetry in the group its configuration names (the one migrate granted).
    const engine = configOf('policy-engine');
    // Patient retries, as the engine's: the group coordinator of a new broker takes a moment.
    const consumer = quiet(createKafkaClient(kafkaConnectionOf(engine), uniqueId('compose-engine'))).consumer({ groupId: engine.values.engineGroupId, maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPICS.telemetry], fromBeginning: true });
      await consumer.run({ eachMessage: ({ message }) => Promise.resolve(void seen.push(message.value?.toString() ?? '')) });
      await waitFor('the engine to read the gateway’s record', () => Promise.resolve(seen.includes(probe) || undefined), 60_000);
    } finally {
      await consumer.disconnect();
    }

    // Producers and the DLQ tool have no service here, but their users exist for outside clients.
    const users = scramUsersOf(kafkaEnv);
    for (const principal of [KAFKA_PRINCIPALS.producer, KAFKA_PRINCIPALS.operator]) {
      expect((await describeCluster(clientAs(principal, users.get(principal)))).brokers).toHaveLength(1);
    }
    expect(await produce(clientAs(KAFKA_PRINCIPALS.producer, users.get(KAFKA_PRINCIPALS.producer)), TOPICS.telemetryDeadLetter, probe)).toBe('denied');
  });

  it('passes its healthcheck signed in as kanshi-admin, and fails it with a wrong password', () => {
    expect(runHealthcheck()).toBe(0);
    const wrong = join(image, 'wrong-admin.properties');
    writeFileSync(wrong, readFileSync(kafkaEnv['ADMIN_CLIENT_CONFIG'] ?? '', 'utf8').replace(/password="[^"]*"/, 'password="not-the-password"'));
    expect(runHealthcheck({ ADMIN_CLIENT_CONFIG: wrong })).not.toBe(0);
  });

  it('changes a password, signed in as kanshi-admin, as deploy/README.md shows', async () => {
    const readme = readFileSync(join(ROOT, 'deploy', 'README.md'), 'utf8');
    const documented = /```sh\n(docker compose exec kafka \/opt\/kafka\/bin\/kafka-configs\.sh[^`]*)```/.exec(readme)?.[1];
    expect(documented).toBeDefined();
    const fresh = randomBytes(18).toString('base64');
    const command = (documented ?? '').replace(/\\\n\s*/g, ' ').replace('docker compose exec kafka ', '').replace('<new password>', fresh).trim();
    const run = spawnSync('sh', ['-c', relocated(command)], { env: { PATH: process.env['PATH'], ...kafkaEnv }, timeout: 60_000, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    const user = /--entity-name (\S+)/.exec(command)?.[1] ?? '';
    await waitFor(`${user} to sign in with the new password`, async () => ((await describeCluster(clientAs(user, fresh))).brokers.length > 0 ? true : undefined));
    await expect(describeCluster(clientAs(user, scramUsersOf(kafkaEnv).get(user)))).rejects.toThrow(/SASL|authentication/i);
  });

  it('starts again on its formatted storage (a container restart) with its users and ACLs', async () => {
    await stopBroker();
    await startBroker();
    expect(await produce(clientOf('ingest-gateway'), TOPICS.telemetry, uniqueId('after-restart'))).toBe('ok');
    expect(await produce(clientOf('ingest-gateway'), TOPICS.telemetryDeadLetter, 'denied')).toBe('denied');
    expect(readFileSync(output, 'utf8')).toMatch(/All of the log directories are already formatted/);
  }, 120_000);
});
