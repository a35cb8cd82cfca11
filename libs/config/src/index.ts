export { AppConfig, ConfigError, loadConfig, PUBLIC_DEFAULT_MARKER } from './app-config';
export { ConfigModule } from './config.module';
export { CONFIG_VARIABLES, decodeSecretsKey, DEVELOPMENT_SECRETS_KEY, type ConfigKey, type ConfigValues, type ConfigVariable } from './config-variables';
