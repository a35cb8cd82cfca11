import { parseKanshiArgs, UsageError } from './send-args';

const KEY = 'kanshi_0123456789ab_abcdefghijklmnopqrstuvwxyzABCDEF';
const INGEST_KEY = `kanshi_ingest_0123456789ab_${'i'.repeat(43)}`;
/** With an ingest key in the environment, as `--kafka` needs one. */
const parse = (argv: string[], env: Record<string, string> = {}) => parseKanshiArgs(argv, { KANSHI_INGEST_KEY: INGEST_KEY, ...env });

describe('parseKanshiArgs', () => {
  it('reads send to Kafka with defaults, and every option in both spellings', () => {
    expect(parse(['send', 'events.jsonl', '--kafka', '127.0.0.1:9092'])).toEqual({
      command: 'send',
      file: 'events.jsonl',
      target: { kind: 'kafka', brokers: ['127.0.0.1:9092'], topic: 'kanshi.telemetry.v1', ingestKey: INGEST_KEY, security: {} },
      batch: 500,
    });
    expect(parse(['send', '--kafka=k1:9092,k2:9093', '--topic', 'test.t', '--rate=250', '--batch', '100', '-'])).toEqual({
      command: 'send',
      file: '-',
      target: { kind: 'kafka', brokers: ['k1:9092', 'k2:9093'], topic: 'test.t', ingestKey: INGEST_KEY, security: {} },
      rate: 250,
      batch: 100,
    });
  });

  it('takes the ingest key from --ingest-key, else from KANSHI_INGEST_KEY, and refuses --kafka without one', () => {
    const flagKey = `kanshi_ingest_ba9876543210_${'f'.repeat(43)}`;
    expect(parse(['send', 'f', '--kafka', 'k:1', '--ingest-key', flagKey])).toMatchObject({ target: { ingestKey: flagKey } });
    expect(() => parseKanshiArgs(['send', 'f', '--kafka', 'k:1'], {})).toThrow(/KANSHI_INGEST_KEY .*POST \/v1\/ingest-keys/);
    expect(() => parse(['send', 'f', '--kafka', 'k:1', '--ingest-key', KEY])).toThrow(/kanshi_ingest_<12 hex>/);
    expect(() => parse(['send', 'f', '--gateway', 'http://g', '--api-key', KEY, '--ingest-key', flagKey])).toThrow(/--ingest-key goes with --kafka/);
  });

  it('reads Kafka TLS and SASL from the variables Kanshi\'s apps read, and names a bad one', () => {
    expect(parse(['send', 'f', '--kafka', 'k:1'], { KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512', KANSHI_KAFKA_SASL_USERNAME: 'u', KANSHI_KAFKA_SASL_PASSWORD: 'p', KANSHI_KAFKA_TLS: 'true' })).toMatchObject({
      target: { security: { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } } },
    });
    expect(() => parse(['send', 'f', '--kafka', 'k:1'], { KANSHI_KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(/KANSHI_KAFKA_SASL_USERNAME and KANSHI_KAFKA_SASL_PASSWORD/);
    expect(() => parse(['send', 'f', '--kafka', 'k:1'], { KANSHI_KAFKA_SASL_MECHANISM: 'kerberos' })).toThrow(/KANSHI_KAFKA_SASL_MECHANISM=kerberos/);
    expect(() => parse(['send', 'f', '--kafka', 'k:1'], { KANSHI_KAFKA_TLS: 'true', KANSHI_KAFKA_TLS_CA_FILE: '/no/such/ca.pem' })).toThrow(/KANSHI_KAFKA_TLS_CA_FILE=\/no\/such\/ca\.pem: cannot read it/);
    expect(() => parse(['send', 'f', '--kafka', 'k:1'], { KANSHI_KAFKA_TLS_CA_FILE: '/etc/hostname' })).toThrow(/KANSHI_KAFKA_TLS is not true/);
  });

  it('takes the gateway key from --api-key, else from KANSHI_API_KEY', () => {
    expect(parse(['send', 'f.jsonl', '--gateway', 'http://127.0.0.1:3001', '--api-key', KEY])).toMatchObject({
      target: { kind: 'gateway', url: 'http://127.0.0.1:3001', apiKey: KEY },
    });
    expect(parse(['send', 'f.jsonl', '--gateway', 'http://gw:3001'], { KANSHI_API_KEY: 'from-env' })).toMatchObject({
      target: { kind: 'gateway', apiKey: 'from-env' },
    });
    expect(parse(['send', 'f.jsonl', '--gateway', 'http://gw:3001', '--api-key', 'flag'], { KANSHI_API_KEY: 'env' })).toMatchObject({
      target: { apiKey: 'flag' },
    });
  });

  it.each([
    [[], /missing command/],
    [['push', 'f'], /unknown command "push"/],
    [['send'], /missing the file/],
    [['send', 'a', 'b', '--kafka', 'k:1'], /unexpected argument "b"/],
    [['send', 'f'], /exactly one of --kafka and --gateway/],
    [['send', 'f', '--kafka', 'k:1', '--gateway', 'http://g'], /exactly one of --kafka and --gateway/],
    [['send', 'f', '--gateway', 'http://g'], /needs an API key/],
    [['send', 'f', '--gateway', 'not a url', '--api-key', 'k'], /expected an http\(s\) URL/],
    [['send', 'f', '--kafka', 'localhost'], /host:port/],
    [['send', 'f', '--kafka', 'k:1', '--api-key', 'k'], /--api-key goes with --gateway/],
    [['send', 'f', '--gateway', 'http://g', '--api-key', 'k', '--topic', 't'], /--topic goes with --kafka/],
    [['send', 'f', '--kafka', 'k:1', '--rate', '0'], /--rate "0": expected a whole number/],
    [['send', 'f', '--kafka', 'k:1', '--batch', '2.5'], /--batch "2.5"/],
    [['send', 'f', '--kafka', 'k:1', '--batch', '99999'], /from 1 to 10000/],
    [['send', 'f', '--kafka'], /--kafka/],
    [['send', 'f', '--kafka', '--rate', '5'], /--kafka/],
    [['send', 'f', '--kafka', 'k:1', '--bogus'], /bogus/],
  ])('rejects %j as a usage error', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });

  it('answers help wherever it is asked for', () => {
    expect(parse(['--help'])).toEqual({ command: 'help' });
    expect(parse(['send', 'f', '-h'])).toEqual({ command: 'help' });
    expect(parse(['help'])).toEqual({ command: 'help' });
  });
});
