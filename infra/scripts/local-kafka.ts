import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './local-services';

/**
 * The principals of the local broker that infra/kafka/kafka.sh starts: the operator's super
 * user, and one per role, each allowed only what its role needs (see libs/messaging kafka-acls).
 */
export const LOCAL_PRINCIPALS = ['kanshi-admin', 'kanshi-engine', 'kanshi-gateway', 'kanshi-producer', 'kanshi-operator'] as const;
export type LocalPrincipal = (typeof LOCAL_PRINCIPALS)[number];

/** Where kafka.sh keeps the local broker's state: principals, TLS material. */
export const LOCAL_KAFKA_STATE = join(CACHE_DIR, 'kafka', 'state');
/** The local CA and client certificates (`<principal>.pem`, `<principal>.key`) for the TLS listeners. */
export const LOCAL_KAFKA_TLS_DIR = join(LOCAL_KAFKA_STATE, 'tls');

const LOCAL_BROKER = /^(127\.0\.0\.1|localhost):\d+$/;

/** Whether every broker is on this machine (then infra/ runs it). */
export function isLocalBroker(brokers: readonly string[]): boolean {
  return brokers.length > 0 && brokers.every((b) => LOCAL_BROKER.test(b));
}

/** The passwords kafka.sh generated for the local principals (empty before its first start). */
export function localKafkaPasswords(stateDir = LOCAL_KAFKA_STATE): ReadonlyMap<string, string> {
  const file = join(stateDir, 'principals');
  if (!existsSync(file)) return new Map();
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return new Map(entries);
}

/** The SASL settings of one local principal, or `undefined` before the local broker's first start. */
export function localKafkaSasl(principal: LocalPrincipal, stateDir = LOCAL_KAFKA_STATE): Record<string, string> | undefined {
  const password = localKafkaPasswords(stateDir).get(principal);
  if (password === undefined) return undefined;
  return { KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512', KANSHI_KAFKA_SASL_USERNAME: principal, KANSHI_KAFKA_SASL_PASSWORD: password };
}

/**
 * `env` with the SASL settings of one local principal added, when Kafka is the local broker
 * and `env` does not already say how to authenticate; otherwise `env` unchanged. The local
 * scripts (npm start, the tests, the benchmark, the command-line tools) sign each app in as
 * its own principal this way; a real deployment sets the variables itself.
 */
export function withLocalKafkaPrincipal(
  env: Readonly<Record<string, string | undefined>>,
  principal: LocalPrincipal,
  stateDir = LOCAL_KAFKA_STATE,
): Record<string, string | undefined> {
  const brokers = (env['KANSHI_KAFKA_BROKERS'] || '127.0.0.1:9092').split(',').map((b) => b.trim());
  if (env['KANSHI_KAFKA_SASL_MECHANISM'] || !isLocalBroker(brokers)) return { ...env };
  return { ...env, ...localKafkaSasl(principal, stateDir) };
}

/** The Kafka security variables of `env`, to hand to a child process (a command-line tool under test). */
export function kafkaSecurityEnv(env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => /^KANSHI_KAFKA_(SASL|TLS)/.test(e[0]) && e[1] !== undefined));
}
