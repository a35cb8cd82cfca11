import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isRetriableKafkaError, KafkaTransport } from './kafka-transport';

/** The broker error kafkajs wraps (its typings say `Error`, its code reads type, code and retriable). */
function protocolError(type: string, code: number, retriable: boolean): Error {
  return Object.assign(new Error(type), { type, code, retriable });
}

describe('isRetriableKafkaError', () => {
  it('retries what kafkajs marks transient, including its own exhausted retries', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(isRetriableKafkaError(refused)).toBe(true);
    expect(isRetriableKafkaError(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 3, retryTime: 2000 }))).toBe(true);
    const leaderMoved = new KafkaJSProtocolError(protocolError('NOT_LEADER_FOR_PARTITION', 6, true));
    expect(isRetriableKafkaError(leaderMoved)).toBe(true);
  });

  it('does not retry what another attempt cannot fix', () => {
    const denied = new KafkaJSProtocolError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false));
    expect(isRetriableKafkaError(denied)).toBe(false);
    expect(isRetriableKafkaError(new KafkaJSNonRetriableError('bad config'))).toBe(false);
    expect(isRetriableKafkaError(new TypeError('bug'))).toBe(false);
    expect(isRetriableKafkaError('text')).toBe(false);
  });
});

describe('KafkaTransport', () => {
  const ingestKey = `kanshi_ingest_0123456789ab_${'k'.repeat(43)}`;

  it('writes to the telemetry topic unless told otherwise, and needs a broker', () => {
    expect(new KafkaTransport({ brokers: ['127.0.0.1:9092'], ingestKey }).topic).toBe('kanshi.telemetry.v1');
    expect(new KafkaTransport({ brokers: ['k:9092'], topic: 'test.t', ingestKey }).description).toBe('kafka k:9092 topic test.t');
    expect(() => new KafkaTransport({ brokers: [], ingestKey })).toThrow(/broker/);
  });

  it('needs an ingest key of the form Kanshi issues, and says where one comes from', () => {
    expect(() => new KafkaTransport({ brokers: ['k:9092'], ingestKey: '' })).toThrow(/POST \/v1\/ingest-keys/);
    expect(() => new KafkaTransport({ brokers: ['k:9092'], ingestKey: 'kanshi_0123456789ab_secret' })).toThrow(/kanshi_ingest_/);
  });
});
