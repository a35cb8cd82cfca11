import { join } from 'node:path';
import { CONFIG_VARIABLES, type AppConfig, type ConfigKey } from '@kanshi/config';
import { CPU_PROF_DIR_ENV, profileArgs, REPO_ROOT, startNode, type RunningApp } from './child-app';

/**
 * The environment that gives a child process exactly this configuration: the runner may have
 * built its config from more than the inherited environment (a queue prefix of its own).
 */
export function configEnv(config: AppConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, variable] of Object.entries(CONFIG_VARIABLES) as [ConfigKey, { name: string }][]) {
    const value = config.values[key] as string | number | boolean | readonly string[] | undefined;
    if (value === undefined) continue;
    env[variable.name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

/**
 * Starts a built script (`node <nodeArgs> dist/<script>`), e.g. a baseline app of the benchmark
 * or an app with profiling flags, with the same handle as `startApp`.
 */
export function startScript(script: string, label: string, env: Readonly<Record<string, string>>, nodeArgs: readonly string[] = []): RunningApp {
  return startNode([...nodeArgs, join(REPO_ROOT, 'dist', script)], label, env);
}

/** Node flags that profile an app (see `profileArgs` of child-app.ts). */
export const cpuProfileArgs = profileArgs;

/** A directory to profile the apps a scenario starts into (`--cpu-prof`, which Node 20 refuses in NODE_OPTIONS). */
export const CPU_PROFILE_DIR_ENV = CPU_PROF_DIR_ENV;
