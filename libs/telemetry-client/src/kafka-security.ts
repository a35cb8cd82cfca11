import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaSaslMechanism, KafkaSaslOptions } from './kafka-transport';

/** TLS and SASL settings of a Kafka connection, as {@link KafkaTransportOptions} takes them. */
export interface KafkaSecurity {
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: KafkaSaslOptions;
}

const MECHANISMS: readonly string[] = ['plain', 'scram-sha-256', 'scram-sha-512'] satisfies KafkaSaslMechanism[];

/**
 * Kafka TLS and SASL settings from the environment, under the variable names Kanshi's own apps
 * read: `KANSHI_KAFKA_SASL_MECHANISM` (`none`, `scram-sha-512`, `scram-sha-256`, `plain`) with
 * `KANSHI_KAFKA_SASL_USERNAME` and `KANSHI_KAFKA_SASL_PASSWORD`; `KANSHI_KAFKA_TLS=true`, with
 * `KANSHI_KAFKA_TLS_CA_FILE` for a private CA and `KANSHI_KAFKA_TLS_CERT_FILE` with
 * `KANSHI_KAFKA_TLS_KEY_FILE` for a client certificate (mTLS). Throws an Error naming the
 * variable when a setting is wrong or a file cannot be read.
 */
export function kafkaSecurityFromEnv(env: Readonly<Record<string, string | undefined>>): KafkaSecurity {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const mechanism = get('KANSHI_KAFKA_SASL_MECHANISM') ?? 'none';
  let sasl: KafkaSaslOptions | undefined;
  if (mechanism !== 'none') {
    if (!MECHANISMS.includes(mechanism)) throw new Error(`KANSHI_KAFKA_SASL_MECHANISM=${mechanism}: expected none, ${MECHANISMS.join(', ')}`);
    const username = get('KANSHI_KAFKA_SASL_USERNAME');
    const password = get('KANSHI_KAFKA_SASL_PASSWORD');
    if (username === undefined || password === undefined) {
      throw new Error(`KANSHI_KAFKA_SASL_MECHANISM=${mechanism} needs KANSHI_KAFKA_SASL_USERNAME and KANSHI_KAFKA_SASL_PASSWORD`);
    }
    sasl = { mechanism: mechanism as KafkaSaslMechanism, username, password };
  }
  const tls = get('KANSHI_KAFKA_TLS') ?? 'false';
  if (tls !== 'true' && tls !== 'false') throw new Error(`KANSHI_KAFKA_TLS=${tls}: expected true or false`);
  const file = (name: string) => {
    const path = get(name);
    if (path === undefined) return undefined;
    if (tls !== 'true') throw new Error(`${name} is set but KANSHI_KAFKA_TLS is not true`);
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`${name}=${path}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  const ca = file('KANSHI_KAFKA_TLS_CA_FILE');
  const cert = file('KANSHI_KAFKA_TLS_CERT_FILE');
  const key = file('KANSHI_KAFKA_TLS_KEY_FILE');
  if ((cert === undefined) !== (key === undefined)) throw new Error('KANSHI_KAFKA_TLS_CERT_FILE and KANSHI_KAFKA_TLS_KEY_FILE go together');
  const options: ConnectionOptions = { ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  const ssl = tls === 'true' ? (Object.keys(options).length > 0 ? options : true) : undefined;
  return { ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}
