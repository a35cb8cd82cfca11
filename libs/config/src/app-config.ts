import { CONFIG_VARIABLES, decodeSecretsKey, DEVELOPMENT_SECRETS_KEY, type ConfigKey, type ConfigValues, type ConfigVariable } from './config-variables';

/**
 * Marks a password that is public on purpose (docker-compose.yml's local Kafka defaults, like
 * the development secrets key): fine on a laptop, refused under NODE_ENV=production.
 */
export const PUBLIC_DEFAULT_MARKER = 'NOTSECRET';

/** Configuration that cannot start a process; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and checks every variable at once, so one start-up shows every mistake, then checks
 * the combinations (no dev key in production).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, variable] of Object.entries(CONFIG_VARIABLES) as [ConfigKey, ConfigVariable<unknown>][]) {
    const raw = env[variable.name];
    const source = raw === undefined || raw === '' ? (variable.default ?? variable.defaultFrom?.(env)) : raw;
    if (source === undefined) {
      values[key] = undefined;
      continue;
    }
    try {
      values[key] = variable.parse(source.trim());
    } catch (error) {
      const shown = variable.sensitive ? '(hidden)' : JSON.stringify(source);
      problems.push(`${variable.name}=${shown}: ${(error as Error).message}`);
    }
  }
  if (values['nodeEnv'] === 'production' && values['devApiKey'] !== undefined) {
    problems.push(
      `${CONFIG_VARIABLES.devApiKey.name} is set but NODE_ENV=production: the dev key is for local demos only. ` +
        'Unset it and create a real key.',
    );
  }
  if (values['nodeEnv'] === 'production') problems.push(...productionSecretsKeyProblems(values));
  problems.push(...kafkaSecurityProblems(values));
  if (values['evidenceSigningKey'] !== undefined && values['evidenceSigningKeyFile'] !== undefined) {
    problems.push(`${CONFIG_VARIABLES.evidenceSigningKey.name} and ${CONFIG_VARIABLES.evidenceSigningKeyFile.name} are both set: set one.`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return new AppConfig(values as unknown as ConfigValues);
}

/**
 * Production needs a secrets key of its own: without one, channel secrets would be sealed under
 * the public development key, which protects nothing.
 */
function productionSecretsKeyProblems(values: Readonly<Record<string, unknown>>): string[] {
  const { secretsKey, secretsPreviousKeys } = CONFIG_VARIABLES;
  const key = values['secretsKey'];
  const previous = values['secretsPreviousKeys'];
  const isDevelopmentKey = (raw: unknown): boolean => typeof raw === 'string' && decodeSecretsKey(raw).equals(DEVELOPMENT_SECRETS_KEY);
  const problems: string[] = [];
  if (key === undefined) {
    problems.push(
      `${secretsKey.name} is not set, and NODE_ENV=production needs it to seal channel secrets at rest. ` +
        'Make one with `openssl rand -base64 32`, keep it in your secret manager and set it for every app (a lost key loses the sealed secrets).',
    );
  } else if (isDevelopmentKey(key)) {
    problems.push(`${secretsKey.name} is the public development key, which NODE_ENV=production refuses. Make one with \`openssl rand -base64 32\`.`);
  }
  if (Array.isArray(previous) && previous.some(isDevelopmentKey)) {
    problems.push(`${secretsPreviousKeys.name} holds the public development key, which NODE_ENV=production refuses.`);
  }
  return problems;
}

/** The validated configuration, injectable by type. */
export class AppConfig {
  constructor(readonly values: ConfigValues) {}

  get isProduction(): boolean {
    return this.values.nodeEnv === 'production';
  }

  /** The configuration with sensitive values masked, safe to log. */
  describe(): Record<string, unknown> {
    return Object.fromEntries(
      (Object.entries(CONFIG_VARIABLES) as [ConfigKey, ConfigVariable<unknown>][]).map(([key, variable]) => [
        variable.name,
        variable.sensitive && this.values[key] !== undefined ? '(set)' : this.values[key],
      ]),
    );
  }
}

/** Combinations of the Kafka security variables that cannot connect, or would send a password in clear. */
function kafkaSecurityProblems(values: Record<string, unknown>): string[] {
  const v = CONFIG_VARIABLES;
  const problems: string[] = [];
  const mechanism = values['kafkaSaslMechanism'] as string | undefined;
  const sasl = mechanism !== undefined && mechanism !== 'none';
  if (sasl) {
    for (const key of ['kafkaSaslUsername', 'kafkaSaslPassword'] as const) {
      if (values[key] === undefined) problems.push(`${v[key].name} is required with ${v.kafkaSaslMechanism.name}=${mechanism}.`);
    }
  } else if (values['kafkaSaslUsername'] !== undefined || values['kafkaSaslPassword'] !== undefined) {
    problems.push(`${v.kafkaSaslUsername.name}/${v.kafkaSaslPassword.name} are set but ${v.kafkaSaslMechanism.name} is none; set it to scram-sha-512 (or the mechanism the broker uses).`);
  }
  if ((values['kafkaTlsCertFile'] === undefined) !== (values['kafkaTlsKeyFile'] === undefined)) {
    problems.push(`${v.kafkaTlsCertFile.name} and ${v.kafkaTlsKeyFile.name} go together: a client certificate needs its key.`);
  }
  const tlsFiles = (['kafkaTlsCaFile', 'kafkaTlsCertFile', 'kafkaTlsKeyFile'] as const).filter((key) => values[key] !== undefined);
  if (values['kafkaTls'] === false && tlsFiles.length > 0) {
    problems.push(`${tlsFiles.map((key) => v[key].name).join(', ')} set but ${v.kafkaTls.name} is false; set ${v.kafkaTls.name}=true.`);
  }
  if (mechanism === 'plain' && values['kafkaTls'] === false && values['nodeEnv'] === 'production') {
    problems.push(`${v.kafkaSaslMechanism.name}=plain sends the password in clear without TLS; set ${v.kafkaTls.name}=true (or use scram-sha-512).`);
  }
  const password = values['kafkaSaslPassword'];
  if (values['nodeEnv'] === 'production' && typeof password === 'string' && password.includes(PUBLIC_DEFAULT_MARKER)) {
    problems.push(
      `${v.kafkaSaslPassword.name} is a public default (marked ${PUBLIC_DEFAULT_MARKER}, as docker-compose.yml's local Kafka passwords are), which NODE_ENV=production refuses. ` +
        'Give the principal a password of its own (`openssl rand -base64 24`) on the broker and here.',
    );
  }
  return problems;
}
