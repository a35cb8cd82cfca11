export { AppConfig, ConfigError, loadConfig } from './app-config';
export { ConfigModule } from './config.module';
export { CONFIG_VARIABLES, type ConfigKey, type ConfigValues, type ConfigVariable } from './config-variables';
