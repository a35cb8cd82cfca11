import { randomBytes } from 'node:crypto';
import { AppConfig, ConfigError, loadConfig } from './app-config';

/** A secrets key of the documented form (`openssl rand -base64 32`); secret, so never echoed. */
const SECRETS_KEY = randomBytes(32).toString('base64');

/** A key of the documented form; it is a secret, so it must never appear in errors or logs. */
const DEV_KEY = 'kanshi_0123456789ab_ThisIsTheDevSecretNeverEchoMe0123456789';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('gives the defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config).toBeInstanceOf(AppConfig);
    expect(config.values).toEqual({
      nodeEnv: 'development',
      bindHost: '127.0.0.1',
      apiPort: 3000,
      gatewayPort: 3001,
      engineHttpPort: 3002,
      workerHttpPort: 3003,
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaClientId: 'kanshi',
      kafkaSaslMechanism: 'none',
      kafkaSaslUsername: undefined,
      kafkaSaslPassword: undefined,
      kafkaTls: false,
      kafkaTlsCaFile: undefined,
      kafkaTlsCertFile: undefined,
      kafkaTlsKeyFile: undefined,
      engineGroupId: 'kanshi-policy-engine',
      engineFetchMaxBytes: 2_097_152,
      engineHeapGrowingPercent: 30,
      engineSessionTimeoutMs: 8000,
      telemetryPartitions: 6,
      databaseUrl: 'postgres://kanshi_app@127.0.0.1:5432/kanshi',
      databaseMigrationUrl: 'postgres://postgres@127.0.0.1:5432/kanshi',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'kanshi',
      devApiKey: undefined,
      logLevel: 'log',
      logFormat: undefined,
      tracing: 'off',
      tracingOtlpUrl: 'http://127.0.0.1:4318/v1/traces',
      tracingSampleRatio: 0.01,
      inventoryRefreshMs: 2000,
      maxEventBytes: 262_144,
      ruleStateIdleDays: 90,
      ruleStateMaxBytes: 262_144,
      sectorModules: undefined,
      gatewayMaxBatch: 1000,
      gatewayBodyLimitBytes: 5_242_880,
      gatewayKafkaTimeoutMs: 10_000,
      publicUrl: 'http://127.0.0.1:3000',
      workerConcurrency: 64,
      alertJobConcurrency: 4,
      apiRateLimitPerMinute: 600,
      gatewayRateLimitPerMinute: 6000,
      secretsKey: undefined,
      secretsPreviousKeys: undefined,
      outboundAllowlist: undefined,
      channelRecipientsQuota: 50,
      eventsPerMinuteQuota: 120_000,
      evidenceCheckpointIntervalMs: 3_600_000,
      evidenceSealIntervalMs: 1000,
      evidenceSigningKey: undefined,
      evidenceSigningKeyFile: undefined,
      evidenceBundleTtlHours: 168,
      reportFont: undefined,
      unregisteredModelsPerDayQuota: 1000,
      alertCreationsPerMinuteQuota: 30_000,
      alertJobsFairSharePerMinute: 60,
      notificationsPerMinuteQuota: 600,
    });
    expect(config.isProduction).toBe(false);
  });

  it('migrates as the local owner while the apps use kanshi_app, or with the one URL an existing setup gives', () => {
    expect(loadConfig({}).values).toMatchObject({ databaseUrl: 'postgres://kanshi_app@127.0.0.1:5432/kanshi', databaseMigrationUrl: 'postgres://postgres@127.0.0.1:5432/kanshi' });
    const single = 'postgres://kanshi:pw@db.internal:5432/kanshi';
    expect(loadConfig({ KANSHI_DATABASE_URL: single }).values).toMatchObject({ databaseUrl: single, databaseMigrationUrl: single });
    const owner = 'postgres://owner:pw@db.internal:5432/kanshi';
    expect(loadConfig({ KANSHI_DATABASE_URL: single, KANSHI_DATABASE_MIGRATION_URL: owner }).values.databaseMigrationUrl).toBe(owner);
    expect(configError({ KANSHI_DATABASE_MIGRATION_URL: 'mysql://db/kanshi' }).message).toContain('KANSHI_DATABASE_MIGRATION_URL=(hidden): expected a postgres: or postgresql: URL');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ KANSHI_API_PORT: '' }).values.apiPort).toBe(3000);
  });

  it('parses and trims the values it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      KANSHI_SECRETS_KEY: SECRETS_KEY,
      KANSHI_API_PORT: ' 8080 ',
      KANSHI_KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      KANSHI_REDIS_URL: 'rediss://cache.internal:6380',
    });

    expect(config.values.apiPort).toBe(8080);
    expect(config.values.kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(config.values.redisUrl).toBe('rediss://cache.internal:6380');
    expect(config.isProduction).toBe(true);
  });

  it.each(['70000', '-1', '3000.5', 'http', '0x10'])('refuses the port %j', (port) => {
    expect(configError({ KANSHI_API_PORT: port }).message).toContain('KANSHI_API_PORT');
  });

  it('reports a bad port and a bad URL together in one ConfigError naming each variable', () => {
    const error = configError({ KANSHI_API_PORT: '70000', KANSHI_REDIS_URL: 'not a url' });

    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain('KANSHI_API_PORT="70000"');
    expect(error.message).toContain('expected a whole number from 0 to 65535');
    expect(error.message).toContain('KANSHI_REDIS_URL');
    expect(error.message).toMatch(/KANSHI_REDIS_URL=.*expected a URL/);
  });

  it('refuses a URL of the wrong protocol', () => {
    expect(configError({ KANSHI_DATABASE_URL: 'mysql://db:3306/kanshi' }).message).toContain('expected a postgres: or postgresql: URL');
  });

  it('never echoes the value of a sensitive variable', () => {
    const secretUrl = 'mysql://admin:Sup3r-S3cret-Pw@db.internal/kanshi';

    const error = configError({ KANSHI_DATABASE_URL: secretUrl, KANSHI_DEV_API_KEY: 'kanshi_short_Sup3r-S3cret-Key' });

    expect(error.message).toContain('KANSHI_DATABASE_URL=(hidden)');
    expect(error.message).toContain('KANSHI_DEV_API_KEY=(hidden)');
    expect(error.message).not.toContain('Sup3r-S3cret');
    expect(error.message).not.toContain('db.internal');
  });

  it('refuses the dev API key when NODE_ENV=production, without echoing it', () => {
    const error = configError({ NODE_ENV: 'production', KANSHI_DEV_API_KEY: DEV_KEY });

    expect(error.message).toContain('KANSHI_DEV_API_KEY');
    expect(error.message).toContain('NODE_ENV=production');
    expect(error.message).not.toContain(DEV_KEY);
  });

  it('accepts the dev API key outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development', KANSHI_DEV_API_KEY: DEV_KEY }).values.devApiKey).toBe(DEV_KEY);
  });

  // loadConfig promises "one start-up shows every mistake" and ConfigError "names every bad
  // variable"; the production/dev-key check is skipped as soon as any other variable is bad.
  it('names the dev key in production even when another variable is also bad', () => {
    const error = configError({ NODE_ENV: 'production', KANSHI_DEV_API_KEY: DEV_KEY, KANSHI_API_PORT: '70000' });

    expect(error.message).toContain('KANSHI_API_PORT');
    expect(error.message).toContain('KANSHI_DEV_API_KEY');
  });
});

describe('secrets keys', () => {
  const hex = Buffer.from(SECRETS_KEY, 'base64').toString('hex');

  it('takes 32 bytes as base64 (standard or URL-safe, padded or not) or hex', () => {
    for (const key of [SECRETS_KEY, SECRETS_KEY.replace(/=$/, ''), SECRETS_KEY.replace(/\+/g, '-').replace(/\//g, '_'), hex, hex.toUpperCase()]) {
      expect(loadConfig({ KANSHI_SECRETS_KEY: key }).values.secretsKey).toBe(key);
    }
    expect(loadConfig({ KANSHI_SECRETS_PREVIOUS_KEYS: ` ${hex} , ${SECRETS_KEY}` }).values.secretsPreviousKeys).toEqual([hex, SECRETS_KEY]);
  });

  it.each([
    ['too short', Buffer.alloc(16, 7).toString('base64')],
    ['too long', Buffer.alloc(48, 7).toString('base64')],
    ['a passphrase', 'correct horse battery staple and more words'],
  ])('refuses a key that is %s, saying how to make one and without echoing it', (_why, key) => {
    const error = configError({ KANSHI_SECRETS_KEY: key, KANSHI_SECRETS_PREVIOUS_KEYS: `${SECRETS_KEY},${key}` });

    expect(error.message).toContain('KANSHI_SECRETS_KEY=(hidden)');
    expect(error.message).toContain('KANSHI_SECRETS_PREVIOUS_KEYS=(hidden): key 2 of 2');
    expect(error.message).toContain('openssl rand -base64 32');
    expect(error.message).not.toContain(key);
  });

  it('is optional outside production', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).values.secretsKey).toBeUndefined();
  });

  it('is required in production, naming the variable and how to make a key', () => {
    const error = configError({ NODE_ENV: 'production' });

    expect(error.message).toContain('KANSHI_SECRETS_KEY is not set');
    expect(error.message).toContain('openssl rand -base64 32');
  });

  it('refuses the public development key in production, current or previous', () => {
    const development = Buffer.from('kanshi-development-key-NOTSECRET').toString('base64');

    expect(configError({ NODE_ENV: 'production', KANSHI_SECRETS_KEY: development }).message).toContain('KANSHI_SECRETS_KEY is the public development key');
    expect(configError({ NODE_ENV: 'production', KANSHI_SECRETS_KEY: SECRETS_KEY, KANSHI_SECRETS_PREVIOUS_KEYS: development }).message).toContain(
      'KANSHI_SECRETS_PREVIOUS_KEYS holds the public development key',
    );
  });
});

describe('Kafka security settings', () => {
  const sasl = { KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512', KANSHI_KAFKA_SASL_USERNAME: 'kanshi-engine', KANSHI_KAFKA_SASL_PASSWORD: 'Kafka-Pass-9' };

  it('takes a SASL mechanism with its user and password, and keeps the password out of describe()', () => {
    const config = loadConfig(sasl);
    expect(config.values).toMatchObject({ kafkaSaslMechanism: 'scram-sha-512', kafkaSaslUsername: 'kanshi-engine', kafkaSaslPassword: 'Kafka-Pass-9' });
    expect(JSON.stringify(config.describe())).not.toContain('Kafka-Pass-9');
  });

  it('refuses a mechanism without its user or password, and a user without a mechanism', () => {
    expect(configError({ KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512', KANSHI_KAFKA_SASL_USERNAME: 'u' }).message).toContain(
      'KANSHI_KAFKA_SASL_PASSWORD is required with KANSHI_KAFKA_SASL_MECHANISM=scram-sha-512',
    );
    expect(configError({ KANSHI_KAFKA_SASL_USERNAME: 'u', KANSHI_KAFKA_SASL_PASSWORD: 'p' }).message).toContain('KANSHI_KAFKA_SASL_MECHANISM is none');
    expect(configError({ KANSHI_KAFKA_SASL_MECHANISM: 'gssapi' }).message).toContain('KANSHI_KAFKA_SASL_MECHANISM="gssapi": expected one of none, scram-sha-512, scram-sha-256, plain');
  });

  it('needs TLS for certificate files, a key with a certificate, and readable files', () => {
    expect(configError({ KANSHI_KAFKA_TLS_CA_FILE: __filename }).message).toContain('KANSHI_KAFKA_TLS_CA_FILE set but KANSHI_KAFKA_TLS is false');
    expect(configError({ KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_TLS_CERT_FILE: __filename }).message).toContain('KANSHI_KAFKA_TLS_CERT_FILE and KANSHI_KAFKA_TLS_KEY_FILE go together');
    expect(configError({ KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_TLS_CA_FILE: '/no/such/ca.pem' }).message).toContain('KANSHI_KAFKA_TLS_CA_FILE="/no/such/ca.pem": expected the path of a readable file');
    expect(configError({ KANSHI_KAFKA_TLS: 'yes' }).message).toContain('KANSHI_KAFKA_TLS="yes": expected true or false');
  });

  it('refuses PLAIN without TLS in production only: it would send the password in clear', () => {
    const plain = { ...sasl, KANSHI_KAFKA_SASL_MECHANISM: 'plain' };
    expect(loadConfig(plain).values.kafkaSaslMechanism).toBe('plain');
    const production = { ...plain, NODE_ENV: 'production', KANSHI_SECRETS_KEY: SECRETS_KEY };
    expect(configError(production).message).toContain('KANSHI_KAFKA_SASL_MECHANISM=plain sends the password in clear without TLS');
    expect(loadConfig({ ...production, KANSHI_KAFKA_TLS: 'true' }).values.kafkaTls).toBe(true);
  });

  it('refuses a password marked as a public default in production only, without echoing it', () => {
    const local = { ...sasl, KANSHI_KAFKA_SASL_PASSWORD: 'kanshi-engine-local-NOTSECRET' };
    expect(loadConfig(local).values.kafkaSaslPassword).toBe('kanshi-engine-local-NOTSECRET');
    const message = configError({ ...local, NODE_ENV: 'production', KANSHI_SECRETS_KEY: SECRETS_KEY }).message;
    expect(message).toContain('KANSHI_KAFKA_SASL_PASSWORD is a public default');
    expect(message).not.toContain('kanshi-engine-local-NOTSECRET');
    expect(loadConfig({ ...sasl, NODE_ENV: 'production', KANSHI_SECRETS_KEY: SECRETS_KEY }).values.kafkaSaslPassword).toBe('Kafka-Pass-9');
  });
});

describe('KANSHI_OUTBOUND_ALLOWLIST', () => {
  it('takes addresses, CIDR blocks, host names and *. domains, trimmed and lower-cased', () => {
    expect(loadConfig({ KANSHI_OUTBOUND_ALLOWLIST: ' 10.20.0.0/16, 127.0.0.1 ,FD00::/8, Hooks.Corp.Example, *.svc.cluster.local,' }).values.outboundAllowlist).toEqual([
      '10.20.0.0/16',
      '127.0.0.1',
      'fd00::/8',
      'hooks.corp.example',
      '*.svc.cluster.local',
    ]);
  });

  it.each(['10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', 'http://hooks.example', 'a b', '*', '-bad.example'])('refuses %j, naming the variable and the forms it takes', (entry) => {
    const error = configError({ KANSHI_OUTBOUND_ALLOWLIST: entry });
    expect(error.message).toContain('KANSHI_OUTBOUND_ALLOWLIST');
    expect(error.message).toMatch(/prefix length|CIDR block/);
  });
});

describe('AppConfig.describe', () => {
  it('masks sensitive values and shows the others', () => {
    const described = loadConfig({
      KANSHI_DATABASE_URL: 'postgres://kanshi:Db-Pass-123@db:5432/kanshi',
      KANSHI_DEV_API_KEY: DEV_KEY,
      KANSHI_SECRETS_KEY: SECRETS_KEY,
    }).describe();

    expect(described['KANSHI_DATABASE_URL']).toBe('(set)');
    expect(described['KANSHI_REDIS_URL']).toBe('(set)');
    expect(described['KANSHI_DEV_API_KEY']).toBe('(set)');
    expect(described['KANSHI_API_PORT']).toBe(3000);
    expect(described['NODE_ENV']).toBe('development');
    expect(JSON.stringify(described)).not.toContain('Db-Pass-123');
    expect(JSON.stringify(described)).not.toContain(DEV_KEY);
    expect(described['KANSHI_SECRETS_KEY']).toBe('(set)');
    expect(JSON.stringify(described)).not.toContain(SECRETS_KEY);
  });

  it('leaves an unset sensitive variable undefined, not "(set)"', () => {
    expect(loadConfig({}).describe()['KANSHI_DEV_API_KEY']).toBeUndefined();
  });

  it('is keyed by the environment variable names', () => {
    expect(Object.keys(loadConfig({}).describe())).toEqual(expect.arrayContaining(['NODE_ENV', 'KANSHI_API_PORT', 'KANSHI_DATABASE_URL']));
  });
});
