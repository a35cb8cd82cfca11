import request from 'supertest';
import type { Message, Producer } from 'kafkajs';
import { TOPICS, type TelemetryEvent, type ValidationIssue } from '@kanshi/contracts';
import { TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import {
  createTenantFixture,
  expectedTally,
  fuzzSeed,
  groupCaughtUp,
  signedMessage,
  tapDeadLetters,
  TelemetryFuzzer,
  topicMaxMessageBytes,
  uniqueId,
  waitForAlertTally,
  INVALID_EVENT_KINDS,
  type DeadLetterTap,
  type InvalidEvent,
} from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

/** Bytes of record values per produce request, well under the broker's 1 MB batch limit. */
const SEND_BYTES = 512 * 1024;

async function produceInOrder(producer: Producer, messages: readonly Message[]): Promise<void> {
  let chunk: Message[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length > 0) await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: chunk });
    chunk = [];
    bytes = 0;
  };
  for (const message of messages) {
    const size = message.value === null ? 0 : Buffer.byteLength(message.value);
    if (bytes + size > SEND_BYTES) await flush();
    chunk.push(message);
    bytes += size;
  }
  await flush();
}

/** One event's fate in a `POST /v1/telemetry` answer. */
interface EventFate {
  readonly index: number;
  readonly event_id: string | null;
  readonly status: 'accepted' | 'rejected';
  readonly errors?: ValidationIssue[];
}

const seed = fuzzSeed();
// Each dead letter is logged as a warning; hundreds of them would bury a failure's message.
process.env['KANSHI_LOG_LEVEL'] = 'error';

describe(`fuzzed telemetry against the real servers (seed ${seed}; replay with KANSHI_FUZZ_SEED=${seed})`, () => {
  let kanshi: RunningKanshi;
  let producer: Producer;
  let brokerLimit: number;

  /** A tenant of its own and a fuzzer for it, so each test counts only its own alerts. */
  const fuzzerFor = async (name: string, testSeed: number, maxHugeBytes: number) => {
    const tenant = await createTenantFixture(kanshi.dataSource, uniqueId(name));
    await kanshi.engineKnowsTenant(tenant.tenantId);
    const fuzzer = new TelemetryFuzzer(testSeed, {
      tenantId: tenant.tenantId,
      unknownTenantId: uniqueId('no-such-tenant'),
      ingestKey: tenant.ingestKey,
      maxEventBytes: kanshi.config.values.maxEventBytes,
      maxHugeBytes,
    });
    return { tenant, fuzzer };
  };

  beforeAll(async () => {
    kanshi = await startKanshi();
    producer = kanshi.kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
    await producer.connect();
    brokerLimit = await topicMaxMessageBytes(kanshi.kafka, TOPICS.telemetry);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await kanshi?.stop();
  });

  it('straight to Kafka: dead-letters every malformed record once with its reason and evaluates every valid event', async () => {
    // Oversized records go up to what the broker stores in one batch, less room for the key, the
    // batch framing and the broker's gzip, which makes incompressible bytes a little longer (about
    // 450 bytes in all) and the signature header (about 100): so close that the same value with
    // dead-letter headers added would not fit.
    const { tenant, fuzzer } = await fuzzerFor('fuzz-kafka', seed, brokerLimit - 640);
    const r = fuzzer.random;
    const { maxEventBytes } = kanshi.config.values;
    const models = Array.from({ length: r.int(20, 60) }, (_, i) => `kafka-model-${i}`);
    const valid = Array.from({ length: 1000 }, () => fuzzer.validEvent(r.pick(models)));
    // Every kind at least twice; records of up to a megabyte are capped to keep the run short.
    const malformed = fuzzer.malformedRecords(150, 2, { 'huge-string': 4, 'oversized-binary': 3 });
    const messages: Message[] = r.shuffle([
      ...valid.map((e) => signedMessage(tenant.ingestKey, e)),
      ...malformed.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
    ]);

    const tap: DeadLetterTap = await tapDeadLetters(kanshi.kafka, kanshi.config.values.engineGroupId);
    try {
      await produceInOrder(producer, messages);
      await groupCaughtUp(kanshi.kafka, kanshi.config.values.engineGroupId, TOPICS.telemetry, 60_000);
      await tap.caughtUp();

      // The engine is still running: an event sent after the batch is evaluated.
      const after = fuzzer.validEvent('kafka-after-the-batch');
      await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: [signedMessage(tenant.ingestKey, after)] });
      // Every valid event counted once, on the alert of its model; nothing for a malformed one.
      const expected = expectedTally([...valid, after]);
      expect(await waitForAlertTally(kanshi.dataSource, tenant.tenantId, 'G1', expected)).toEqual(expected);

      // Every malformed record on the dead-letter topic exactly once, with its reason and origin.
      const ours = new Set(malformed.map((m) => m.key));
      const dead = tap.records.filter((d) => d.key !== null && ours.has(d.key));
      expect(dead).toHaveLength(malformed.length);
      const byKey = new Map(dead.map((d) => [d.key, d]));
      for (const m of malformed) {
        const letter = byKey.get(m.key);
        expect({ kind: m.kind, key: m.key, reason: letter?.reason }).toEqual({ kind: m.kind, key: m.key, reason: m.reason });
        expect(letter?.originalTopic).toBe(TOPICS.telemetry);
        if (m.reason === 'TOO_LARGE') {
          // Only the start is kept, so the dead letter fits the topic; the header gives the size.
          expect({ kind: m.kind, truncatedFrom: letter?.truncatedFrom, kept: letter?.value?.length }).toEqual({ kind: m.kind, truncatedFrom: m.value?.length, kept: maxEventBytes });
          expect(m.value?.subarray(0, maxEventBytes).equals(letter?.value ?? Buffer.alloc(0))).toBe(true);
        } else {
          // Kept whole, so it can be replayed once fixed.
          expect({ kind: m.kind, truncatedFrom: letter?.truncatedFrom, value: letter?.value?.toString('base64') ?? null }).toEqual({
            kind: m.kind,
            truncatedFrom: undefined,
            value: m.value?.toString('base64') ?? null,
          });
        }
      }
      // No valid event was dead-lettered.
      const validKeys = new Set(messages.filter((m) => !ours.has(String(m.key))).map((m) => String(m.key)));
      expect(tap.records.filter((d) => d.key !== null && validKeys.has(d.key))).toEqual([]);
    } finally {
      await tap.stop();
    }
  });
  it('through the gateway: answers every event\'s fate with its errors, evaluates the accepted ones, refuses bad bodies', async () => {
    const { tenant, fuzzer } = await fuzzerFor('fuzz-http', (seed + 1) >>> 0, 2 * kanshi.config.values.maxEventBytes);
    const r = fuzzer.random;
    const { gatewayBodyLimitBytes, gatewayMaxBatch } = kanshi.config.values;
    const post = (body: string) =>
      request(kanshi.gatewayHttp).post('/v1/telemetry').set('Authorization', `Bearer ${tenant.keys.producer}`).set('Content-Type', 'application/json').send(body);
    const batchOf = (items: readonly { json: string }[]) => `{"events":[${items.map((i) => i.json).join(',')}]}`;
    const expectFates = (results: EventFate[], items: readonly Item[]) => {
      expect(results).toHaveLength(items.length);
      items.forEach((item, index) => {
        const fate = results[index];
        if (item.valid) {
          expect(fate).toEqual({ index, event_id: item.valid.event_id, status: 'accepted' });
        } else {
          expect({ kind: item.invalid.kind, fate }).toMatchObject({ kind: item.invalid.kind, fate: { index, event_id: item.invalid.eventId, status: 'rejected' } });
          expect({ kind: item.invalid.kind, errors: fate?.errors }).toEqual({ kind: item.invalid.kind, errors: expect.arrayContaining([expect.objectContaining(item.invalid.issue)]) });
        }
      });
    };
    type Item = { json: string; valid: TelemetryEvent; invalid?: never } | { json: string; valid?: never; invalid: InvalidEvent };
    const models = Array.from({ length: r.int(5, 15) }, (_, i) => `http-model-${i}`);
    const accepted: TelemetryEvent[] = [];
    const tap = await tapDeadLetters(kanshi.kafka, kanshi.config.values.engineGroupId);
    try {
      for (let batch = 0; batch < 4; batch++) {
        const valid = Array.from({ length: r.int(1, 150) }, () => fuzzer.validEvent(r.pick(models)));
        // Every kind once, then random ones; at most two oversized events per request.
        const kinds = [...INVALID_EVENT_KINDS, ...Array.from({ length: r.int(0, 40) }, () => r.pick(INVALID_EVENT_KINDS.filter((k) => k !== 'huge-string')))];
        const items: Item[] = r.shuffle([...valid.map((e) => ({ json: JSON.stringify(e), valid: e })), ...kinds.map((k) => {
          const invalid = fuzzer.invalidEvent(k);
          return { json: invalid.json, invalid };
        })]);
        const response = await post(batchOf(items));
        expect(response.status).toBe(202);
        const body = response.body as { accepted: number; rejected: number; results: EventFate[] };
        expect({ accepted: body.accepted, rejected: body.rejected }).toEqual({ accepted: valid.length, rejected: kinds.length });
        expectFates(body.results, items);
        accepted.push(...valid);
      }

      // A batch with no valid event: 400, still with every event's errors.
      const onlyBad: Item[] = INVALID_EVENT_KINDS.map((k) => ({ json: '', invalid: fuzzer.invalidEvent(k) })).map((i) => ({ ...i, json: i.invalid.json }));
      const refused = await post(batchOf(onlyBad));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ accepted: 0, rejected: onlyBad.length });
      expectFates((refused.body as { results: EventFate[] }).results, onlyBad);

      // A body that is not JSON: 400.
      const whole = batchOf([{ json: JSON.stringify(fuzzer.validEvent(r.pick(models))) }]);
      expect((await post(whole.slice(0, r.int(1, whole.length - 1)))).status).toBe(400);
      // A body over the limit, and more events than a batch may hold: 413.
      const huge = { ...fuzzer.validEvent(r.pick(models)), payload: { blob: r.text(gatewayBodyLimitBytes) } };
      expect((await post(JSON.stringify(huge))).status).toBe(413);
      const tooMany = Array.from({ length: gatewayMaxBatch + 1 }, () => ({ json: JSON.stringify(fuzzer.validEvent(r.pick(models))) }));
      expect((await post(batchOf(tooMany))).status).toBe(413);

      // Exactly the accepted events are evaluated; nothing refused reached Kafka.
      const expected = expectedTally(accepted);
      expect(await waitForAlertTally(kanshi.dataSource, tenant.tenantId, 'G1', expected)).toEqual(expected);
      await groupCaughtUp(kanshi.kafka, kanshi.config.values.engineGroupId, TOPICS.telemetry);
      await tap.caughtUp();
      expect(tap.records.filter((d) => d.key?.startsWith(`${tenant.tenantId}:`))).toEqual([]);
    } finally {
      await tap.stop();
    }
  });
});
