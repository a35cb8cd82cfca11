import type { Kafka, Message, Producer } from 'kafkajs';
import { parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, TOPICS, telemetryKey } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createTenantFixture, signedMessage, tapDeadLetters, telemetryEvent, uniqueId, waitFor, type DeadLetterTap, type TenantFixture } from '@kanshi/testing';
import { localKafkaSasl } from '../../infra/scripts/local-kafka';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

/**
 * Tenant A holds everything a producer of A gets (the producers' Kafka principal, A's ingest key)
 * and tries every way to make a record count as tenant B's: no record reaches evaluation as B.
 */
describe("a producer of tenant A cannot speak for tenant B (real Kafka, the producers' principal)", () => {
  let kanshi: RunningKanshi;
  let a: TenantFixture;
  let b: TenantFixture;
  let kafka: Kafka;
  let producer: Producer;
  let tap: DeadLetterTap;

  beforeAll(async () => {
    kanshi = await startKanshi();
    a = await createTenantFixture(kanshi.dataSource, uniqueId('tenant-a'));
    b = await createTenantFixture(kanshi.dataSource, uniqueId('tenant-b'));
    await kanshi.engineKnowsTenant(a.tenantId);
    await kanshi.engineKnowsTenant(b.tenantId);
    // On the local broker: the principal every outside producer gets, which may only write telemetry.
    const sasl = process.env['KANSHI_TEST_LOCAL_KAFKA'] === '1' ? localKafkaSasl('kanshi-producer') : undefined;
    kafka = createKafkaClient(kafkaConnectionOf(loadConfig({ ...process.env, ...sasl })), uniqueId('tenant-a-producer'));
    producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
    await producer.connect();
    tap = await tapDeadLetters(kanshi.kafka, kanshi.config.values.engineGroupId);
  });

  afterAll(async () => {
    await tap?.stop();
    await producer?.disconnect();
    await kanshi?.stop();
  });

  it('dead-letters every forgery as UNAUTHENTICATED (or TENANT_MISMATCH) and evaluates only what A may say', async () => {
    const credentialOfA = parseIngestKey(a.ingestKey)!;
    const asB = (n: string) => telemetryEvent({ tenant_id: b.tenantId, model_id: `forged-${n}`, event_id: `forged-${n}` });
    const text = (event: object) => JSON.stringify(event);
    const keyOfB = (n: string) => telemetryKey(b.tenantId, `forged-${n}`);
    // A genuine record of B (B's own key), whose signature A tries to reuse on other bytes.
    const genuineOfB = signedMessage(b.ingestKey, asB('genuine-template'));
    const stolenHeader = String(genuineOfB.headers?.[SIGNATURE_HEADER]);

    const forgeries: Message[] = [
      // B's key and body, signed with A's ingest key.
      { key: keyOfB('1'), value: text(asB('1')), headers: { [SIGNATURE_HEADER]: signTelemetryRecord(credentialOfA, keyOfB('1'), text(asB('1'))) } },
      // B's body under A's key, signed with A's key.
      { key: telemetryKey(a.tenantId, 'forged-2'), value: text(asB('2')), headers: { [SIGNATURE_HEADER]: signTelemetryRecord(credentialOfA, telemetryKey(a.tenantId, 'forged-2'), text(asB('2'))) } },
      // No key, B's body, A's signature.
      { key: null, value: text(asB('3')), headers: { [SIGNATURE_HEADER]: signTelemetryRecord(credentialOfA, null, text(asB('3'))) } },
      // Unsigned.
      { key: keyOfB('4'), value: text(asB('4')) },
      // B's real signature on other bytes.
      { key: keyOfB('5'), value: text(asB('5')), headers: { [SIGNATURE_HEADER]: stolenHeader } },
      // B's key id with a secret A made up; a gateway key id with a made-up secret.
      { key: keyOfB('6'), value: text(asB('6')), headers: { [SIGNATURE_HEADER]: signTelemetryRecord({ keyId: parseIngestKey(b.ingestKey)!.keyId, secret: 'x'.repeat(43) }, keyOfB('6'), text(asB('6'))) } },
      { key: keyOfB('7'), value: text(asB('7')), headers: { [SIGNATURE_HEADER]: signTelemetryRecord({ keyId: 'gw-00000000', secret: 'y'.repeat(64) }, keyOfB('7'), text(asB('7'))) } },
    ];
    // What A may say: its own event, signed with its key (the control).
    const own = telemetryEvent({ tenant_id: a.tenantId, model_id: 'own-model', event_id: 'own-1' });
    await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: [...forgeries, signedMessage(a.ingestKey, own)] });
    await kanshi.engineCaughtUp();
    await tap.caughtUp();

    const forgedIds = new Set([...Array(7).keys()].map((i) => `forged-${i + 1}`));
    const letters = tap.records.filter((d) => d.value !== null && forgedIds.has((JSON.parse(d.value.toString()) as { event_id: string }).event_id));
    expect(letters.map((d) => [(JSON.parse(d.value!.toString()) as { event_id: string }).event_id, d.reason]).sort()).toEqual([
      ['forged-1', 'UNAUTHENTICATED'],
      ['forged-2', 'TENANT_MISMATCH'],
      ['forged-3', 'UNAUTHENTICATED'],
      ['forged-4', 'UNAUTHENTICATED'],
      ['forged-5', 'UNAUTHENTICATED'],
      ['forged-6', 'UNAUTHENTICATED'],
      ['forged-7', 'UNAUTHENTICATED'],
    ]);
    // A's own event was evaluated (its unregistered model raised G1); B has nothing at all.
    await waitFor('the G1 alert of A’s own model', async () => {
      const rows = await kanshi.dataSource.query(`SELECT 1 FROM alerts WHERE tenant_id = $1 AND model_id = 'own-model'`, [a.tenantId]);
      return rows.length > 0 ? true : undefined;
    });
    expect(await kanshi.dataSource.query(`SELECT rule_id, model_id FROM alerts WHERE tenant_id = $1`, [b.tenantId])).toEqual([]);
  });
});
