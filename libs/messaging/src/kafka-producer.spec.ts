import type { Kafka } from 'kafkajs';
import { KafkaProducer, KafkaSendTimeoutError, requestChunks, type OutgoingRecord } from './kafka-producer.service';

function record(bytes: number): OutgoingRecord {
  return { key: null, value: Buffer.alloc(bytes) };
}

describe('requestChunks', () => {
  it('splits records in order into requests under the byte budget', () => {
    const records = [record(400), record(300), record(300), record(100), record(1000), record(10)];
    const chunks = requestChunks(records, 1000);

    expect(chunks.map((c) => c.map((r) => (r.value as Buffer).length))).toEqual([[400, 300, 300], [100], [1000], [10]]);
    expect(chunks.flat()).toEqual(records);
  });

  it('sends a record larger than the budget alone, and nothing for no records', () => {
    expect(requestChunks([record(10), record(5000), record(10)], 1000).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(requestChunks([])).toEqual([]);
  });

  it('counts keys as well as values', () => {
    const keyed: OutgoingRecord = { key: 'k'.repeat(600), value: Buffer.alloc(300) };

    expect(requestChunks([keyed, keyed], 1000)).toHaveLength(2);
  });
});

describe('KafkaProducer', () => {
  /** A kafkajs stand-in: each producer records what it sent, and fails the sends it is told to. */
  function fakeKafka(failures: Set<number>) {
    const producers: { id: number; sent: string[]; disconnected: boolean }[] = [];
    let calls = 0;
    let active = 0;
    let mostActive = 0;
    const kafka = {
      producer: () => {
        const me = { id: producers.length, sent: [] as string[], disconnected: false };
        producers.push(me);
        return {
          connect: () => Promise.resolve(),
          disconnect: () => {
            me.disconnected = true;
            return Promise.resolve();
          },
          send: async ({ messages }: { messages: { value: string }[] }) => {
            calls += 1;
            const call = calls;
            active += 1;
            mostActive = Math.max(mostActive, active);
            await new Promise((resolve) => setImmediate(resolve));
            active -= 1;
            if (failures.has(call)) throw new Error(`send ${call} failed`);
            me.sent.push(...messages.map((m) => m.value));
            return [];
          },
        };
      },
    };
    return { kafka: kafka as unknown as Kafka, producers, mostActive: () => mostActive };
  }

  const one = (value: string): OutgoingRecord[] => [{ key: 'k', value }];

  it('sends one at a time, and after a failed send goes on with a fresh producer', async () => {
    const fake = fakeKafka(new Set([2]));
    const producer = new KafkaProducer(fake.kafka);
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((v) => producer.send('t', one(v))));

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(fake.mostActive()).toBe(1);
    expect(producer.producersStarted).toBe(2);
    expect(fake.producers.map((p) => ({ sent: p.sent, disconnected: p.disconnected }))).toEqual([
      { sent: ['a'], disconnected: true },
      { sent: ['c', 'd'], disconnected: false },
    ]);
  });

  it('answers a send that outlives its time limit with KafkaSendTimeoutError, and does not make the next send wait for it', async () => {
    const hanging = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve(), send: () => new Promise(() => undefined) };
    const working = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve(), send: jest.fn(() => Promise.resolve([])) };
    const made = [hanging, working];
    const producer = new KafkaProducer({ producer: () => made.shift() } as unknown as Kafka);

    await expect(producer.send('t', one('slow'), { timeoutMs: 20 })).rejects.toBeInstanceOf(KafkaSendTimeoutError);
    await producer.send('t', one('next'));
    expect(working.send).toHaveBeenCalledTimes(1);
    expect(producer.producersStarted).toBe(2);
  });
});
