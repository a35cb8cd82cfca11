import type { Kafka } from 'kafkajs';
import { TopicLogEnds } from './topic-log-ends';

/** A kafkajs stand-in whose admins answer `fetchTopicOffsets` when the test says so. */
function fakeKafka() {
  const admins: { connected: boolean; requests: number }[] = [];
  const answers: { resolve: (ends: { partition: number; high: string }[]) => void; reject: (error: Error) => void }[] = [];
  const kafka = {
    admin: () => {
      const me = { connected: false, requests: 0 };
      admins.push(me);
      return {
        connect: () => Promise.resolve(void (me.connected = true)),
        disconnect: () => Promise.resolve(void (me.connected = false)),
        fetchTopicOffsets: () => {
          me.requests += 1;
          return new Promise((resolve, reject) => answers.push({ resolve, reject }));
        },
      };
    },
  } as unknown as Kafka;
  /** Resolves once `n` requests are waiting for an answer. */
  const requested = async (n: number) => {
    while (answers.length < n) await new Promise((resolve) => setImmediate(resolve));
  };
  return { kafka, admins, answers, requested };
}

describe('TopicLogEnds', () => {
  it('reads the log end of every partition, sharing one request among callers while it is in flight', async () => {
    const { kafka, admins, answers, requested } = fakeKafka();
    const logEnds = new TopicLogEnds(kafka);
    const first = logEnds.read('t');
    const second = logEnds.read('t');
    await requested(1);
    answers[0]?.resolve([
      { partition: 0, high: '12' },
      { partition: 1, high: '7' },
    ]);
    const expected = new Map([
      [0, 12n],
      [1, 7n],
    ]);
    expect(await first).toEqual(expected);
    expect(await second).toEqual(expected);
    expect(admins).toEqual([{ connected: true, requests: 1 }]);

    // The next read asks again, on the same connection.
    const third = logEnds.read('t');
    await requested(2);
    answers[1]?.resolve([{ partition: 0, high: '13' }]);
    expect(await third).toEqual(new Map([[0, 13n]]));
    expect(admins).toHaveLength(1);
    await logEnds.onApplicationShutdown();
    expect(admins[0]?.connected).toBe(false);
  });

  it('drops the client after a failed read and connects afresh for the next', async () => {
    const { kafka, admins, answers, requested } = fakeKafka();
    const logEnds = new TopicLogEnds(kafka);
    const failing = logEnds.read('t');
    await requested(1);
    answers[0]?.reject(new Error('broker away'));
    await expect(failing).rejects.toThrow('broker away');
    expect(admins[0]?.connected).toBe(false);

    const next = logEnds.read('t');
    await requested(2);
    answers[1]?.resolve([{ partition: 0, high: '3' }]);
    expect(await next).toEqual(new Map([[0, 3n]]));
    expect(admins.map((a) => a.connected)).toEqual([false, true]);
  });

  it('stops waiting after the time given, answering undefined, and lets the next call share the read still pending', async () => {
    jest.useFakeTimers();
    try {
      const { kafka, answers, requested } = fakeKafka();
      const logEnds = new TopicLogEnds(kafka);
      const slow = logEnds.readWithin('t', 2000);
      await jest.advanceTimersByTimeAsync(0);
      await requested(1);
      await jest.advanceTimersByTimeAsync(2000);
      expect(await slow).toBeUndefined();

      const later = logEnds.readWithin('t', 2000);
      answers[0]?.resolve([{ partition: 0, high: '5' }]);
      expect(await later).toEqual(new Map([[0, 5n]]));
      expect(answers).toHaveLength(1);
      // A failed read answers undefined too.
      const failed = logEnds.readWithin('t', 2000);
      await jest.advanceTimersByTimeAsync(0);
      await requested(2);
      answers[1]?.reject(new Error('broker away'));
      expect(await failed).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});
