import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@kanshi/config';
import { kafkaClientOptions, kafkaConnectionOf } from './kafka-client';

describe('kafkaConnectionOf', () => {
  let dir: string;
  const pem = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kanshi-kafka-tls-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('connects in clear without SASL by default', () => {
    expect(kafkaConnectionOf(loadConfig({}))).toEqual({ brokers: ['127.0.0.1:9092'] });
  });

  it('carries the SASL principal and TLS with the system CAs', () => {
    const connection = kafkaConnectionOf(
      loadConfig({ KANSHI_KAFKA_BROKERS: 'k1:9094,k2:9094', KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512', KANSHI_KAFKA_SASL_USERNAME: 'kanshi-engine', KANSHI_KAFKA_SASL_PASSWORD: 'pw' }),
    );
    expect(connection).toEqual({ brokers: ['k1:9094', 'k2:9094'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'kanshi-engine', password: 'pw' } });
    expect(kafkaClientOptions(connection)).toEqual(connection);
  });

  it('reads a private CA and a client certificate with its key (mTLS)', () => {
    const ca = pem('ca.pem', 'CA CERTIFICATE');
    const cert = pem('client.pem', 'CLIENT CERTIFICATE');
    const key = pem('client.key', 'CLIENT KEY');
    const connection = kafkaConnectionOf(loadConfig({ KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_TLS_CA_FILE: ca, KANSHI_KAFKA_TLS_CERT_FILE: cert, KANSHI_KAFKA_TLS_KEY_FILE: key }));
    expect(connection.ssl).toEqual({ ca: ['CA CERTIFICATE'], cert: 'CLIENT CERTIFICATE', key: 'CLIENT KEY' });
    expect(connection.sasl).toBeUndefined();
  });
});
