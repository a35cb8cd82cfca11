import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { heartbeatIntervalMs, KAFKA_ASSIGNMENT_PATTERN, KafkaBatchServer, type KafkaAssignment } from './kafka-batch.server';

describe('heartbeatIntervalMs', () => {
  it('beats every second for the engine’s session timeouts, and at least ten times per timeout down to the broker’s 6 s', () => {
    expect([6000, 8000, 10_000, 30_000, 300_000].map(heartbeatIntervalMs)).toEqual([600, 800, 1000, 1000, 1000]);
    expect(heartbeatIntervalMs(2000)).toBe(500);
  });
});

describe('KafkaBatchServer partition assignment', () => {
  /** A kafkajs consumer that only connects and emits the events a test gives it. */
  class FakeConsumer extends EventEmitter {
    readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join', STOP: 'consumer.stop' };
    connect = () => Promise.resolve();
    subscribe = () => Promise.resolve();
    run = () => Promise.resolve();
    disconnect = () => Promise.resolve();
  }

  async function listening(withHandler: boolean) {
    const consumer = new FakeConsumer();
    const admin = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve(), fetchTopicMetadata: () => Promise.resolve({ topics: [] }) };
    const kafka = { consumer: () => consumer, admin: () => admin } as unknown as Kafka;
    const server = new KafkaBatchServer({ kafka, groupId: 'g', topics: ['t'], fromBeginning: true, partitionsConsumedConcurrently: 1, sessionTimeoutMs: 8000 });
    server.addHandler('t', () => Promise.resolve(), true);
    const told: KafkaAssignment[] = [];
    if (withHandler) server.addHandler(KAFKA_ASSIGNMENT_PATTERN, (a: KafkaAssignment) => Promise.resolve(void told.push(a)), true);
    await new Promise<void>((resolve, reject) => server.listen((error) => (error instanceof Error ? reject(error) : resolve())));
    const emit = async (event: string, payload: unknown) => {
      consumer.emit(event, { payload });
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { consumer, emit, told };
  }

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('tells the assignment handler the partitions held at each join, and none once the consumer stops or crashes', async () => {
    const { consumer, emit, told } = await listening(true);
    const join = (memberAssignment: Record<string, number[]>) => ({ groupId: 'g', memberId: 'm', memberAssignment });

    await emit(consumer.events.GROUP_JOIN, join({ t: [0, 2] }));
    await emit(consumer.events.GROUP_JOIN, join({ t: [2] }));
    await emit(consumer.events.CRASH, { error: new Error('broker gone'), restart: true });
    await emit(consumer.events.GROUP_JOIN, join({ t: [1] }));
    await emit(consumer.events.STOP, undefined);

    expect(told).toEqual([
      { assignment: 1, member: true, partitions: { t: [0, 2] } },
      { assignment: 2, member: true, partitions: { t: [2] } },
      { assignment: 2, member: false, partitions: {} },
      { assignment: 3, member: true, partitions: { t: [1] } },
      { assignment: 3, member: false, partitions: {} },
    ]);
  });

  it('needs no assignment handler', async () => {
    const { consumer, emit, told } = await listening(false);
    await emit(consumer.events.GROUP_JOIN, { groupId: 'g', memberId: 'm', memberAssignment: { t: [0] } });
    expect(told).toEqual([]);
  });
});
