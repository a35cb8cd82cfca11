import { AppConfig, ConfigError, loadConfig } from './app-config';

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
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaClientId: 'kanshi',
      engineGroupId: 'kanshi-policy-engine',
      engineFetchMaxBytes: 2_097_152,
      telemetryPartitions: 6,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/kanshi',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'kanshi',
      devApiKey: undefined,
      logLevel: 'log',
      inventoryRefreshMs: 2000,
      maxEventBytes: 262_144,
      ruleStateIdleDays: 90,
      ruleStateMaxBytes: 262_144,
      sectorModules: undefined,
      gatewayMaxBatch: 1000,
      gatewayBodyLimitBytes: 5_242_880,
      gatewayKafkaTimeoutMs: 10_000,
      publicUrl: 'http://127.0.0.1:3000',
      workerConcurrency: 16,
      apiRateLimitPerMinute: 600,
      gatewayRateLimitPerMinute: 6000,
    });
    expect(config.isProduction).toBe(false);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ KANSHI_API_PORT: '' }).values.apiPort).toBe(3000);
  });

  it('parses and trims the values it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
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

describe('AppConfig.describe', () => {
  it('masks sensitive values and shows the others', () => {
    const described = loadConfig({
      KANSHI_DATABASE_URL: 'postgres://kanshi:Db-Pass-123@db:5432/kanshi',
      KANSHI_DEV_API_KEY: DEV_KEY,
    }).describe();

    expect(described['KANSHI_DATABASE_URL']).toBe('(set)');
    expect(described['KANSHI_REDIS_URL']).toBe('(set)');
    expect(described['KANSHI_DEV_API_KEY']).toBe('(set)');
    expect(described['KANSHI_API_PORT']).toBe(3000);
    expect(described['NODE_ENV']).toBe('development');
    expect(JSON.stringify(described)).not.toContain('Db-Pass-123');
    expect(JSON.stringify(described)).not.toContain(DEV_KEY);
  });

  it('leaves an unset sensitive variable undefined, not "(set)"', () => {
    expect(loadConfig({}).describe()['KANSHI_DEV_API_KEY']).toBeUndefined();
  });

  it('is keyed by the environment variable names', () => {
    expect(Object.keys(loadConfig({}).describe())).toEqual(expect.arrayContaining(['NODE_ENV', 'KANSHI_API_PORT', 'KANSHI_DATABASE_URL']));
  });
});
