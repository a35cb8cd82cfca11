import { DEAD_LETTER_BUNDLE_HEADER, DEAD_LETTER_HEADERS, DEAD_LETTER_IN_PLACE_HEADER, encodeDeadLetterBundle, encodeInPlaceDeadLetters, SIGNATURE_HEADER } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { uniqueId, waitFor } from '@kanshi/testing';
import { logLevel, type Admin, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { REPLAYED_FROM_HEADER } from './dead-letter';
import { inspectDeadLetters, replayDeadLetters } from './dlq-commands';

interface Sent {
  readonly key: string;
  readonly value: string | null;
  readonly reason: string;
}

/** The producer's signature the engine kept on each dead letter (any text: the tool only carries it). */
const signatureOf = (offset: number) => `k=0123456789ab,v1=${offset.toString(16).padStart(64, '0')}`;

function deadLetterHeaders(reason: string, offset: number): IHeaders {
  return {
    [SIGNATURE_HEADER]: signatureOf(offset),
    [DEAD_LETTER_HEADERS.reason]: reason,
    [DEAD_LETTER_HEADERS.error]: `${reason} error for offset ${offset}`,
    [DEAD_LETTER_HEADERS.originalTopic]: 'kanshi.telemetry.v1',
    [DEAD_LETTER_HEADERS.originalPartition]: '0',
    [DEAD_LETTER_HEADERS.originalOffset]: String(offset),
    [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    [DEAD_LETTER_HEADERS.consumerGroup]: 'kanshi-policy-engine',
  };
}

async function topicSize(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

describe('dlq inspect and replay (real Kafka, temporary topics)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const dlqTopic = uniqueId('test.dlq');
  const targetTopic = uniqueId('test.telemetry');
  const sent: Sent[] = [];
  /** Originals over a quota, dead-lettered in one bundle record as the engine writes many of one reason. */
  const bundled = Array.from({ length: 40 }, (_, i) => ({
    offset: String(1000 + i),
    key: Buffer.from(`flooder:model-${i}`),
    value: Buffer.from(JSON.stringify({ flood: i })),
    signature: signatureOf(1000 + i),
    error: `over quota ${i}`,
  }));

  beforeAll(async () => {
    kafka = createKafkaClient(kafkaConnectionOf(loadConfig()), uniqueId('dlq-int'));
    kafka.logger().setLogLevel(logLevel.ERROR);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: dlqTopic, numPartitions: 3, replicationFactor: 1 },
        { topic: targetTopic, numPartitions: 2, replicationFactor: 1 },
      ],
    });
    const tenant = uniqueId('tenant');
    const plan: [string, number, string][] = [
      ['NOT_JSON', 5, 'broken'],
      ['SCHEMA_INVALID', 3, tenant],
      ['UNKNOWN_TENANT', 2, 'ghost'],
    ];
    let offset = 0;
    for (const [reason, count, keyPrefix] of plan) {
      for (let i = 0; i < count; i += 1) {
        sent.push({ key: `${keyPrefix}:model-${i}`, value: JSON.stringify({ reason, i }), reason });
      }
    }
    // A dead letter without a value cannot be replayed: counted, never produced.
    sent.push({ key: `${tenant}:model-null`, value: null, reason: 'SCHEMA_INVALID' });
    producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: dlqTopic,
      acks: -1,
      messages: [
        ...sent.map((s) => ({ key: s.key, value: s.value, headers: deadLetterHeaders(s.reason, (offset += 1)) })),
        { key: null, value: encodeDeadLetterBundle(bundled), headers: { ...deadLetterHeaders('QUOTA_EXCEEDED', 1000), [DEAD_LETTER_BUNDLE_HEADER]: String(bundled.length) } },
      ],
    });
  });

  /** The first `count` records replayed to `topic`, with the headers a replay sets. */
  async function readReplayed(topic: string, count: number): Promise<{ key: string; value: string; replayedFrom: string; signature: string }[]> {
    const received: { key: string; value: string; replayedFrom: string; signature: string }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueId('dlq-int-check'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          received.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            replayedFrom: message.headers?.[REPLAYED_FROM_HEADER]?.toString() ?? '',
            signature: message.headers?.[SIGNATURE_HEADER]?.toString() ?? '',
          });
          return Promise.resolve();
        },
      });
      await waitFor(`${count} replayed records`, () => Promise.resolve(received.length >= count ? true : undefined), 15_000);
      return received;
    } finally {
      await consumer.disconnect();
    }
  }

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [dlqTopic, targetTopic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('counts every dead letter by reason and original topic, with samples', async () => {
    const { missing, summary, report } = await inspectDeadLetters(kafka, { dlqTopic, samples: 2 });
    expect(missing).toBe(false);
    // The bundle counts as its 40 originals.
    expect(summary.total).toBe(51);
    expect(Object.fromEntries(summary.byReason)).toEqual({ NOT_JSON: 5, SCHEMA_INVALID: 4, UNKNOWN_TENANT: 2, QUOTA_EXCEEDED: 40 });
    expect(Object.fromEntries(summary.byOriginalTopic)).toEqual({ 'kanshi.telemetry.v1': 51 });
    expect(summary.samples.get('NOT_JSON')).toHaveLength(2);
    expect(summary.originals.size).toBe(51);
    expect(report).toContain('over quota 0');
    expect(report).toContain('NOT_JSON error for offset');

    const filtered = await inspectDeadLetters(kafka, { dlqTopic, samples: 0, reason: 'UNKNOWN_TENANT' });
    expect(Object.fromEntries(filtered.summary.byReason)).toEqual({ UNKNOWN_TENANT: 2 });
    const future = await inspectDeadLetters(kafka, { dlqTopic, samples: 0, since: Date.now() + 60_000 });
    expect(future.report).toMatch(/: no dead letters \(since /);
    expect(future.summary.total).toBe(0);
  });

  it('says so when the dead-letter topic does not exist', async () => {
    const result = await inspectDeadLetters(kafka, { dlqTopic: uniqueId('test.no-such-dlq'), samples: 1 });
    expect(result.missing).toBe(true);
    expect(result.report).toMatch(/does not exist yet/);
  });

  it('a dry run counts the selection and writes nothing', async () => {
    const result = await replayDeadLetters(kafka, { dlqTopic, targetTopic, filter: { reason: 'SCHEMA_INVALID' }, dryRun: true });
    expect(result).toMatchObject({ scanned: 51, matched: 4, replayed: 3, skippedNullValue: 1, skippedDuplicate: 0 });
    expect(result.report).toMatch(/Dry run: would replay 3/);
    expect(await topicSize(admin, targetTopic)).toBe(0);
  });

  it('replays exactly the selected records with their original key and value, traceably', async () => {
    const result = await replayDeadLetters(kafka, { dlqTopic, targetTopic, filter: { reason: 'SCHEMA_INVALID' }, dryRun: false });
    expect(result).toMatchObject({ scanned: 51, matched: 4, replayed: 3, skippedNullValue: 1, skippedDuplicate: 0 });
    expect(await topicSize(admin, targetTopic)).toBe(3);

    const received = await readReplayed(targetTopic, 3);
    const expected = sent.filter((s) => s.reason === 'SCHEMA_INVALID' && s.value !== null);
    expect(received.map(({ key, value }) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      expected.map(({ key, value }) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key)),
    );
    for (const r of received) expect(r.replayedFrom).toMatch(new RegExp(`^${dlqTopic.replace(/\./g, '\\.')}/[0-2]/\\d+$`));
    // Each carries its producer's signature again, so the engine can check it.
    const signatures = new Map(sent.map((s, i) => [s.key, signatureOf(i + 1)]));
    expect(received.map((r) => r.signature)).toEqual(received.map((r) => signatures.get(r.key)));
  });

  it('replays each original of a bundle with its own key, value and signature', async () => {
    const bundleTarget = uniqueId('test.telemetry');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: bundleTarget, numPartitions: 2, replicationFactor: 1 }] });
    try {
      const result = await replayDeadLetters(kafka, { dlqTopic, targetTopic: bundleTarget, filter: { reason: 'QUOTA_EXCEEDED' }, dryRun: false });
      expect(result).toMatchObject({ scanned: 51, matched: 40, replayed: 40, skippedDuplicate: 0 });
      const received = await readReplayed(bundleTarget, 40);
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      expect(received.map(({ key, value, signature }) => ({ key, value, signature })).sort(byKey)).toEqual(
        bundled.map((b) => ({ key: b.key.toString(), value: b.value.toString(), signature: b.signature })).sort(byKey),
      );
      // Traceable to the bundle and the place in it.
      expect(new Set(received.map((r) => r.replayedFrom.replace(/#\d+$/, ''))).size).toBe(1);
      expect(received.map((r) => Number(/#(\d+)$/.exec(r.replayedFrom)?.[1])).sort((a, b) => a - b)).toEqual(bundled.map((_, i) => i));
    } finally {
      await admin.deleteTopics({ topics: [bundleTarget] }).catch(() => undefined);
    }
  });

  it('replays at --rate: the sends are spread over the time the rate asks for', async () => {
    const pacedTarget = uniqueId('test.telemetry');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: pacedTarget, numPartitions: 1, replicationFactor: 1 }] });
    // A clock whose sleeps pass at once and are added up: what the rate made the replay wait.
    let now = 0;
    let slept = 0;
    const clock = {
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
        slept += ms;
        return Promise.resolve();
      },
    };
    try {
      const result = await replayDeadLetters(kafka, { dlqTopic, targetTopic: pacedTarget, filter: { reason: 'QUOTA_EXCEEDED' }, dryRun: false, rate: 10, clock });
      expect(result.replayed).toBe(40);
      // 40 records at 10 a second, the first at once: 3.9 s of waiting.
      expect(slept).toBeGreaterThanOrEqual(3800);
      expect(slept).toBeLessThanOrEqual(4000);
      expect(await readReplayed(pacedTarget, 40)).toHaveLength(40);
    } finally {
      await admin.deleteTopics({ topics: [pacedTarget] }).catch(() => undefined);
    }
  });

  it('stops at --limit and refuses a replay without a selector', async () => {
    const limited = await replayDeadLetters(kafka, { dlqTopic, targetTopic, filter: { keyPrefix: 'broken:' }, dryRun: true, limit: 2 });
    expect(limited).toMatchObject({ replayed: 2, stoppedAtLimit: true });
    await expect(replayDeadLetters(kafka, { dlqTopic, targetTopic, filter: {}, dryRun: true })).rejects.toThrow(/reason or a key prefix/);
  });

  it("replays in-place dead letters from the originals' topic: only the named offsets, the key prefix checked on each original, the gone ones counted", async () => {
    const originalsTopic = uniqueId('test.telemetry');
    const inPlaceDlq = uniqueId('test.dlq');
    const replayTarget = uniqueId('test.telemetry');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [originalsTopic, inPlaceDlq, replayTarget].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    });
    try {
      // Offsets 0..9 of one partition: acme's models m0/m1 alternating, a neighbour at 4.
      const originals = Array.from({ length: 10 }, (_, i) => ({ key: i === 4 ? 'beta:x' : `acme:m${i % 2}`, value: JSON.stringify({ n: i }), headers: { [SIGNATURE_HEADER]: signatureOf(i) } }));
      await producer.send({ topic: originalsTopic, acks: -1, messages: originals });
      // The engine refused acme's 1..3 and 5..8 and names them in place, plus two offsets past the end.
      const ranges = [{ from: 1n, to: 3n }, { from: 5n, to: 8n }, { from: 20n, to: 21n }];
      await producer.send({
        topic: inPlaceDlq,
        acks: -1,
        messages: [
          {
            key: 'acme:',
            value: encodeInPlaceDeadLetters({ tenant: 'acme', ranges }),
            headers: { ...deadLetterHeaders('QUOTA_EXCEEDED', 1), [DEAD_LETTER_HEADERS.originalTopic]: originalsTopic, [DEAD_LETTER_IN_PLACE_HEADER]: '9' },
          },
        ],
      });

      const inspected = await inspectDeadLetters(kafka, { dlqTopic: inPlaceDlq, samples: 1 });
      expect(Object.fromEntries(inspected.summary.byReason)).toEqual({ QUOTA_EXCEEDED: 9 });

      // Only model m1 of acme: the in-place letters know the tenant, the originals tell the model.
      const result = await replayDeadLetters(kafka, { dlqTopic: inPlaceDlq, targetTopic: replayTarget, filter: { reason: 'QUOTA_EXCEEDED', keyPrefix: 'acme:m1' }, dryRun: false });
      const expected = [1, 3, 5, 7].map((n) => originals[n]);
      expect(result).toMatchObject({ scanned: 9, replayed: expected.length, skippedGone: 2 });
      expect(result.report).toContain('Skipped 2 quota refusals whose original the telemetry topic no longer holds');
      const received = await readReplayed(replayTarget, expected.length);
      expect(received.map(({ key, value, signature }) => ({ key, value, signature }))).toEqual(expected.map((o) => ({ key: o?.key, value: o?.value, signature: o?.headers[SIGNATURE_HEADER] })));
      // Traceable to the in-place record and the place in its ranges (offsets 1, 3, 5, 7 are places 0, 2, 3, 5).
      expect(received.map((r) => r.replayedFrom)).toEqual([0, 2, 3, 5].map((place) => `${inPlaceDlq}/0/0#${place}`));

      // --limit counts what is replayed, after each original's key is checked, not the tenant's letters.
      const limited = await replayDeadLetters(kafka, { dlqTopic: inPlaceDlq, targetTopic: replayTarget, filter: { reason: 'QUOTA_EXCEEDED', keyPrefix: 'acme:m1' }, dryRun: true, limit: 3 });
      expect(limited).toMatchObject({ replayed: 3, stoppedAtLimit: true });

      // Originals that cannot be read (their topic is gone) are reported, not thrown over.
      await producer.send({
        topic: inPlaceDlq,
        acks: -1,
        messages: [
          {
            key: 'acme:',
            value: encodeInPlaceDeadLetters({ tenant: 'acme', ranges: [{ from: 0n, to: 2n }] }),
            headers: { ...deadLetterHeaders('QUOTA_EXCEEDED', 1), [DEAD_LETTER_HEADERS.originalTopic]: uniqueId('test.gone'), [DEAD_LETTER_IN_PLACE_HEADER]: '3' },
          },
        ],
      });
      const partly = await replayDeadLetters(kafka, { dlqTopic: inPlaceDlq, targetTopic: replayTarget, filter: { reason: 'QUOTA_EXCEEDED' }, dryRun: true });
      expect(partly).toMatchObject({ scanned: 12, replayed: 7, unread: 3 });
      expect(partly.report).toMatch(/Could not read the originals of 3 quota refusals, so they were not replayed: test\.gone/);
    } finally {
      await admin.deleteTopics({ topics: [originalsTopic, inPlaceDlq, replayTarget] }).catch(() => undefined);
    }
  });
});
