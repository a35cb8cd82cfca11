import { Controller, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import type { Consumer } from 'kafkajs';
import { loadConfig } from '@kanshi/config';
import { committedOffsets, uniqueId, waitFor } from '@kanshi/testing';
import { createKafkaClient, kafkaConnectionOf } from './kafka-client';
import { KafkaBatchServer, type KafkaBatch } from './kafka-batch.server';

const topic = uniqueId('kanshi-it-batch');
const config = loadConfig();
const kafka = createKafkaClient(kafkaConnectionOf(config), 'kanshi-it');

/** What the handler saw, and switches that make it fail, shared with the test. */
const seen: string[] = [];
let failuresLeft = 0;
/** While set, every attempt fails: a dependency that stays down. */
let outage = false;
const assignments = new Set<number>();

@Controller()
class RecordingConsumer {
  @EventPattern(topic)
  handle(@Payload() batch: KafkaBatch): Promise<void> {
    assignments.add(batch.assignment);
    if (outage) return Promise.reject(new Error('simulated database outage'));
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

  it('rides out an outage longer than the session timeout: keeps its partitions by heartbeating, and goes on soon after', async () => {
    const outageGroup = uniqueId('kanshi-it-outage');
    const sessionTimeoutMs = 6000;
    const app = await NestFactory.createMicroservice(RecordingModule, {
      strategy: new KafkaBatchServer({
        kafka,
        groupId: outageGroup,
        topics: [topic],
        fromBeginning: false,
        partitionsConsumedConcurrently: 1,
        sessionTimeoutMs,
        retry: { initialMs: 200, maxMs: 1000 },
      }),
      logger: false,
    });
    await app.listen();
    const consumer = app.unwrap<Consumer>();
    let rebalances = 0;
    consumer.on(consumer.events.REBALANCING, () => (rebalances += 1));
    let crashes = 0;
    consumer.on(consumer.events.CRASH, () => (crashes += 1));
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Joined and reading: a first record goes through.
      await producer.send({ topic, messages: [{ key: 'k', value: 'before' }] });
      await waitFor('the record before the outage', () => Promise.resolve(seen.includes('before') ? true : undefined), 30_000);
      assignments.clear();

      outage = true;
      await producer.send({ topic, messages: [{ key: 'k', value: 'during' }] });
      await waitFor('the batch to fail', () => Promise.resolve(assignments.size > 0 ? true : undefined));
      // Longer than the session timeout: without heartbeats the broker would drop the member.
      const outageStarted = Date.now();
      await waitFor('the outage to outlast the session timeout', () => Promise.resolve(Date.now() - outageStarted > 2 * sessionTimeoutMs ? true : undefined), 30_000);
      outage = false;

      await waitFor('the record held back by the outage', () => Promise.resolve(seen.includes('during') ? true : undefined), 10_000);
      const admin = kafka.admin();
      await admin.connect();
      const [end] = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      await waitFor('its commit', async () => ((await committedOffsets(kafka, outageGroup, topic)).get(0) === BigInt(end?.high ?? -1) ? true : undefined));
      expect(seen.filter((v) => v === 'during')).toHaveLength(1);
      // The same membership throughout: no rebalance, no crash, no new assignment.
      expect({ rebalances, crashes, assignments: assignments.size }).toEqual({ rebalances: 0, crashes: 0, assignments: 1 });
    } finally {
      outage = false;
      await producer.disconnect();
      await app.close();
    }
  }, 90_000);
});
