import { Controller, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@kanshi/config';
import { committedOffsets, uniqueId, waitFor } from '@kanshi/testing';
import { createKafkaClient } from './kafka-client';
import { KafkaBatchServer, type KafkaBatch } from './kafka-batch.server';

const topic = uniqueId('kanshi-it-batch');
const config = loadConfig();
const kafka = createKafkaClient(config.values.kafkaBrokers, 'kanshi-it');

/** What the handler saw, and a switch that makes it fail, shared with the test. */
const seen: string[] = [];
let failuresLeft = 0;

@Controller()
class RecordingConsumer {
  @EventPattern(topic)
  handle(@Payload() batch: KafkaBatch): Promise<void> {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      return Promise.reject(new Error('simulated enqueue failure'));
    }
    seen.push(...batch.records.map((r) => r.value?.toString() ?? ''));
    return Promise.resolve();
  }
}

@Module({ controllers: [RecordingConsumer] })
class RecordingModule {}

describe('KafkaBatchServer (real Kafka)', () => {
  const groupId = uniqueId('kanshi-it-group');

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('commits a batch only after its handler succeeded, and redelivers it after a failure', async () => {
    const app = await NestFactory.createMicroservice(RecordingModule, {
      strategy: new KafkaBatchServer({
        kafka,
        groupId,
        topics: [topic],
        fromBeginning: true,
        partitionsConsumedConcurrently: 1,
        sessionTimeoutMs: 10_000,
      }),
      logger: false,
    });
    await app.listen();
    const producer = kafka.producer();
    await producer.connect();
    try {
      failuresLeft = 2;
      await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ key: 'k', value })) });

      await waitFor('the records after two failed attempts', () => Promise.resolve(seen.length >= 3 ? true : undefined));
      const committed = await waitFor('the commit', async () => {
        const offset = (await committedOffsets(kafka, groupId, topic)).get(0);
        return offset === 3n ? offset : undefined;
      });
      expect(failuresLeft).toBe(0);
      expect(committed).toBe(3n);
      expect(seen).toEqual(['a', 'b', 'c']);

      // Later records are delivered once each: the fetch position moved past the batch.
      await producer.send({ topic, messages: [{ key: 'k', value: 'd' }] });
      await waitFor('record d', () => Promise.resolve(seen.includes('d') ? true : undefined));
      await waitFor('the commit of d', async () => ((await committedOffsets(kafka, groupId, topic)).get(0) === 4n ? true : undefined));
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await producer.disconnect();
      await app.close();
    }
  });
});
