import { CONFIG_VARIABLES, type ConfigKey, type ConfigValues, type ConfigVariable } from './config-variables';

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
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return new AppConfig(values as unknown as ConfigValues);
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
