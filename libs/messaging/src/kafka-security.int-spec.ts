import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { LOCAL_KAFKA_TLS_DIR, localKafkaPasswords, type LocalPrincipal } from '../../../infra/scripts/local-kafka';
import { createKafkaClient, kafkaConnectionOf } from './kafka-client';

/**
 * The local broker as a bank's cluster runs it: every client authenticates (SCRAM, PLAIN over
 * TLS, or a client certificate) and may do only what its ACLs grant. Proven with real clients
 * built from Kanshi's own configuration variables.
 */
describe('the secured local broker (real Kafka: SASL/SCRAM, TLS, mTLS, ACLs)', () => {
  const [host, port] = (loadConfig().values.kafkaBrokers[0] ?? '127.0.0.1:9092').split(':');
  const plainPort = Number(port);
  const tlsBroker = `${host}:${Number(process.env['KANSHI_KAFKA_TLS_PORT'] ?? plainPort + 2)}`;
  const mtlsBroker = `${host}:${Number(process.env['KANSHI_KAFKA_MTLS_PORT'] ?? plainPort + 3)}`;
  const ca = join(LOCAL_KAFKA_TLS_DIR, 'ca.pem');
  const passwords = localKafkaPasswords();
  const quiet = <T extends Kafka>(kafka: T): T => {
    kafka.logger().setLogLevel(logLevel.NOTHING);
    return kafka;
  };

  /** A client signed in as a local principal, configured the way an app is: from environment variables. */
  const as = (principal: LocalPrincipal, extra: Record<string, string> = {}) =>
    quiet(
      createKafkaClient(
        kafkaConnectionOf(
          loadConfig({
            KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512',
            KANSHI_KAFKA_SASL_USERNAME: principal,
            KANSHI_KAFKA_SASL_PASSWORD: passwords.get(principal) ?? '',
            ...extra,
          }),
        ),
        uniqueId(`security-${principal}`),
        { retries: 0 },
      ),
    );

  beforeAll(() => {
    // Fail, not skip: these tests are the proof that the local broker is secured.
    if (process.env['KANSHI_TEST_LOCAL_KAFKA'] !== '1' || passwords.size === 0) {
      throw new Error('these tests need the local broker started by `npm run infra:up` (infra/kafka/kafka.sh), whose principals they sign in as');
    }
  });

  const describeCluster = async (kafka: Kafka) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  };

  /** Produces one record; resolves with `ok` or the broker's refusal. */
  const produce = async (kafka: Kafka, topic: string): Promise<string> => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'security-test:probe', value: 'not an event' }] });
      return 'ok';
    } catch (error) {
      return errorType(error);
    } finally {
      await producer.disconnect();
    }
  };

  /**
   * How the broker's refusals reach a kafkajs client: TOPIC_/GROUP_AUTHORIZATION_FAILED, or, for a
   * group the principal may not even describe, no coordinator found (FindCoordinator is refused).
   */
  const DENIED = /AUTHORIZATION_FAILED|Not authorized|GroupCoordinatorNotFound/;

  const errorType = (error: unknown): string => {
    const { type, name, message } = error as { type?: string; name?: string; message?: string };
    return type ?? `${name ?? 'Error'}: ${message ?? ''}`;
  };

  it('refuses a client that does not authenticate, or with a wrong password', async () => {
    const anonymous = quiet(new Kafka({ clientId: uniqueId('anonymous'), brokers: [`${host}:${plainPort}`], retry: { retries: 0 }, connectionTimeout: 3000 }));
    await expect(describeCluster(anonymous)).rejects.toThrow();
    const wrong = quiet(
      new Kafka({ clientId: uniqueId('wrong'), brokers: [`${host}:${plainPort}`], sasl: { mechanism: 'scram-sha-512', username: 'kanshi-producer', password: 'guess' }, retry: { retries: 0 } }),
    );
    await expect(describeCluster(wrong)).rejects.toThrow(/SASL|authentication/i);
  });

  it('lets every app principal in with SCRAM-SHA-512, over plain TCP and over TLS with a private CA', async () => {
    for (const principal of ['kanshi-engine', 'kanshi-gateway', 'kanshi-producer', 'kanshi-operator'] as const) {
      expect((await describeCluster(as(principal))).brokers).toHaveLength(1);
    }
    const overTls = as('kanshi-producer', { KANSHI_KAFKA_BROKERS: tlsBroker, KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_TLS_CA_FILE: ca });
    expect(await produce(overTls, TOPICS.telemetry)).toBe('ok');
  });

  it('takes PLAIN only over TLS', async () => {
    const plainOverTls = as('kanshi-producer', {
      KANSHI_KAFKA_BROKERS: tlsBroker,
      KANSHI_KAFKA_TLS: 'true',
      KANSHI_KAFKA_TLS_CA_FILE: ca,
      KANSHI_KAFKA_SASL_MECHANISM: 'plain',
    });
    expect(await produce(plainOverTls, TOPICS.telemetry)).toBe('ok');
    const plainInClear = as('kanshi-producer', { KANSHI_KAFKA_SASL_MECHANISM: 'plain' });
    await expect(describeCluster(plainInClear)).rejects.toThrow(/SASL|mechanism/i);
  });

  it('takes a client certificate (mTLS) as the principal its common name names, with that principal’s rights', async () => {
    const certified = quiet(
      createKafkaClient(
        kafkaConnectionOf(
          loadConfig({
            KANSHI_KAFKA_BROKERS: mtlsBroker,
            KANSHI_KAFKA_TLS: 'true',
            KANSHI_KAFKA_TLS_CA_FILE: ca,
            KANSHI_KAFKA_TLS_CERT_FILE: join(LOCAL_KAFKA_TLS_DIR, 'kanshi-producer.pem'),
            KANSHI_KAFKA_TLS_KEY_FILE: join(LOCAL_KAFKA_TLS_DIR, 'kanshi-producer.key'),
          }),
        ),
        uniqueId('mtls'),
        { retries: 0 },
      ),
    );
    expect(await produce(certified, TOPICS.telemetry)).toBe('ok');
    expect(await produce(certified, TOPICS.telemetryDeadLetter)).toMatch(DENIED);
    // Without a certificate the mTLS listener lets nobody in.
    const withoutCertificate = quiet(createKafkaClient(kafkaConnectionOf(loadConfig({ KANSHI_KAFKA_BROKERS: mtlsBroker, KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_TLS_CA_FILE: ca })), uniqueId('no-cert'), { retries: 0 }));
    await expect(describeCluster(withoutCertificate)).rejects.toThrow();
  });

  describe('ACLs', () => {
    /** Reads telemetry as `principal` in `groupId`; resolves with `ok` or the refusal. */
    const read = async (kafka: Kafka, topic: string, groupId: string): Promise<string> => {
      const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: false });
        let failure: unknown;
        const crashed = new Promise<void>((resolve) => consumer.on(consumer.events.CRASH, ({ payload }) => ((failure = payload.error), resolve())));
        const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
        await consumer.run({ eachMessage: () => Promise.resolve() });
        await Promise.race([joined, crashed]);
        return failure === undefined ? 'ok' : errorType(failure);
      } catch (error) {
        return errorType(error);
      } finally {
        await consumer.disconnect();
      }
    };

    const moveOffsets = async (kafka: Kafka, groupId: string, offset: string): Promise<string> => {
      const admin: Admin = kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      try {
        await admin.setOffsets({ groupId, topic: TOPICS.telemetry, partitions: [{ partition: 0, offset }] });
        return 'ok';
      } catch (error) {
        return errorType(error);
      } finally {
        await admin.disconnect();
      }
    };

    it('lets a producer principal write telemetry, and nothing else: no reading telemetry or dead letters, no dead letters written', async () => {
      const producer = as('kanshi-producer');
      expect(await produce(producer, TOPICS.telemetry)).toBe('ok');
      expect(await produce(producer, TOPICS.telemetryDeadLetter)).toMatch(DENIED);
      expect(await read(producer, TOPICS.telemetry, uniqueId('kanshi-policy-engine-spy'))).toMatch(DENIED);
      expect(await read(producer, TOPICS.telemetryDeadLetter, uniqueId('kanshi-dlq-spy'))).toMatch(DENIED);
    });

    it("keeps the engine's consumer group offsets out of every other principal's reach", async () => {
      // A group of the engine's name that has offsets, as a running engine has.
      const engineGroup = uniqueId('kanshi-policy-engine-acl');
      expect(await moveOffsets(as('kanshi-engine'), engineGroup, '0')).toBe('ok');
      for (const principal of ['kanshi-producer', 'kanshi-gateway', 'kanshi-operator'] as const) {
        expect({ principal, result: await moveOffsets(as(principal), engineGroup, '1') }).toEqual({ principal, result: expect.stringMatching(DENIED) });
      }
      // The offset is still the engine's.
      const admin = quiet(createKafkaClient(kafkaConnectionOf(loadConfig()), uniqueId('security-check'))).admin();
      await admin.connect();
      try {
        const [offsets] = await admin.fetchOffsets({ groupId: engineGroup, topics: [TOPICS.telemetry] });
        expect(offsets?.partitions.find((p) => p.partition === 0)?.offset).toBe('0');
      } finally {
        await admin.disconnect();
      }
    });

    it('lets the gateway write telemetry only, the engine read it, and the operator read dead letters and, to replay quota refusals, telemetry', async () => {
      expect(await produce(as('kanshi-gateway'), TOPICS.telemetry)).toBe('ok');
      expect(await read(as('kanshi-gateway'), TOPICS.telemetry, uniqueId('kanshi-policy-engine-gw'))).toMatch(DENIED);
      expect(await read(as('kanshi-engine'), TOPICS.telemetry, uniqueId('kanshi-policy-engine-ok'))).toBe('ok');
      expect(await read(as('kanshi-engine'), TOPICS.telemetry, uniqueId('somebody-elses-group'))).toMatch(DENIED);
      // The dead-letter tool's throwaway groups (inspect, replay).
      expect(await read(as('kanshi-operator'), TOPICS.telemetryDeadLetter, uniqueId('kanshi-dlq-inspect'))).toBe('ok');
      expect(await read(as('kanshi-operator'), TOPICS.telemetryDeadLetter, uniqueId('kanshi-dlq-replay'))).toBe('ok');
      // In-place dead letters name records on the telemetry topic: a replay reads them there, in its own groups only.
      expect(await read(as('kanshi-operator'), TOPICS.telemetry, uniqueId('kanshi-dlq-replay'))).toBe('ok');
      expect(await read(as('kanshi-operator'), TOPICS.telemetry, uniqueId('kanshi-policy-engine-op'))).toMatch(DENIED);
    });
  });
});
