import { ConfigResourceTypes } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { createKafkaClient, kafkaConnectionOf } from './kafka-client';
import { ensureTopics, kanshiTopics, TOPIC_COMPRESSION } from './kafka-topics';

const kafka = createKafkaClient(kafkaConnectionOf(loadConfig()), 'kanshi-it-topics');

async function topicConfigs(topic: string): Promise<Record<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return Object.fromEntries((described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
  } finally {
    await admin.disconnect();
  }
}

describe('ensureTopics (real Kafka)', () => {
  const fresh = uniqueId('kanshi-it-topics-new');
  const existing = uniqueId('kanshi-it-topics-old');

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [fresh, existing] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('plans gzip storage for both of Kanshi\'s topics, and the broker\'s append times on telemetry', () => {
    expect(kanshiTopics(6)).toEqual([
      { topic: TOPICS.telemetry, numPartitions: 6, configs: { 'compression.type': TOPIC_COMPRESSION, 'message.timestamp.type': 'LogAppendTime' } },
      { topic: TOPICS.telemetryDeadLetter, numPartitions: 3, configs: { 'compression.type': TOPIC_COMPRESSION } },
    ]);
  });

  it('creates a topic with the planned configuration and restores it on an existing one, keeping that topic\'s own settings', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: existing, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    });
    await admin.disconnect();
    const configs = { 'compression.type': 'gzip' };

    const partitions = await ensureTopics(kafka, [
      { topic: fresh, numPartitions: 2, configs },
      { topic: existing, numPartitions: 4, configs },
    ]);

    expect(partitions).toEqual(new Map([[fresh, 2], [existing, 1]]));
    expect(await topicConfigs(fresh)).toMatchObject({ 'compression.type': 'gzip' });
    expect(await topicConfigs(existing)).toMatchObject({ 'compression.type': 'gzip', 'retention.ms': '3600000' });

    // A second run finds nothing to change.
    await ensureTopics(kafka, [{ topic: existing, numPartitions: 1, configs }]);
    expect(await topicConfigs(existing)).toMatchObject({ 'compression.type': 'gzip', 'retention.ms': '3600000' });
  });

  it('makes the telemetry topic stamp records with the broker\'s time, whatever time the producer gives', async () => {
    const stamped = uniqueId('kanshi-it-topics-stamped');
    const [telemetry] = kanshiTopics(1);
    await ensureTopics(kafka, [{ topic: stamped, numPartitions: 1, configs: telemetry?.configs ?? {} }]);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const before = Date.now();
      // A producer claiming a time an hour back: the engine's quotas must not believe it.
      const [meta] = await producer.send({ topic: stamped, acks: -1, messages: [{ value: 'x', timestamp: String(before - 3_600_000) }] });
      expect(Number(meta?.logAppendTime)).toBeGreaterThanOrEqual(before - 1000);
      expect(await topicConfigs(stamped)).toMatchObject({ 'message.timestamp.type': 'LogAppendTime' });
    } finally {
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [stamped] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
