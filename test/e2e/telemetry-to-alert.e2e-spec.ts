import request from 'supertest';
import type { Message, Producer } from 'kafkajs';
import { DEAD_LETTER_HEADERS, TOPICS, telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createTenantFixture, signedMessage, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface AlertView {
  id: string;
  rule_id: string;
  model_id: string;
  tenant_id: string;
  occurrence_count: number;
  evidence_event_ids: string[];
}

describe('telemetry to alert, end to end (real Kafka, PostgreSQL, Redis)', () => {
  let kanshi: RunningKanshi;
  let producer: Producer;
  let tenant: TenantFixture;

  const alertsOf = async (key: string, query: Record<string, string> = {}): Promise<AlertView[]> => {
    const response = await request(kanshi.apiHttp).get('/v1/alerts').query(query).set('Authorization', `Bearer ${key}`);
    expect(response.status).toBe(200);
    return (response.body as { items: AlertView[] }).items;
  };

  const g1AlertFor = (modelId: string, minCount = 1) =>
    waitFor(`a G1 alert for ${modelId}`, async () => {
      const found = (await alertsOf(tenant.keys.viewer, { model: modelId, rule: 'G1' }))[0];
      return found && found.occurrence_count >= minCount ? found : undefined;
    });

  const produce = async (records: Message[]) => {
    await producer.send({ topic: TOPICS.telemetry, acks: -1, messages: records });
  };

  const event = (modelId: string): TelemetryEvent => telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId });
  const record = (e: TelemetryEvent) => signedMessage(tenant.ingestKey, e);

  /** Everything produced so far has been consumed and committed by the engine's group. */
  const engineCaughtUp = () => kanshi.engineCaughtUp();

  beforeAll(async () => {
    kanshi = await startKanshi();
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('acme'), [
      { modelId: 'known-model', name: 'Registered', sectors: ['finance'], riskTier: 'T1', owner: 'o', intendedUse: 'u' },
    ]);
    await kanshi.engineKnowsTenant(tenant.tenantId);
    producer = kanshi.kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await kanshi?.stop();
  });

  it('turns an event for an unknown model, produced by a plain Kafka client, into exactly one G1 alert', async () => {
    const modelId = uniqueId('ghost');
    const e = event(modelId);
    await produce([record(e)]);

    const alert = await g1AlertFor(modelId);
    expect(alert).toMatchObject({ rule_id: 'G1', model_id: modelId, tenant_id: tenant.tenantId, occurrence_count: 1 });
    expect(alert.evidence_event_ids).toEqual([e.event_id]);
    await engineCaughtUp();
    expect(await alertsOf(tenant.keys.viewer, { model: modelId })).toHaveLength(1);
  });

  it('leaves one alert with one occurrence when the same event is sent again', async () => {
    const modelId = uniqueId('ghost');
    const e = event(modelId);
    await produce([record(e)]);
    await g1AlertFor(modelId);

    await produce([record(e), record(e)]);
    const marker = event(modelId);
    await produce([record(marker)]);
    // The marker comes after the duplicates on the same partition; once it is counted, so
    // would the duplicates have been.
    await g1AlertFor(modelId, 2);
    await engineCaughtUp();

    const alerts = await alertsOf(tenant.keys.viewer, { model: modelId });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.occurrence_count).toBe(2);
  });

  it('raises no G1 for a model in the inventory', async () => {
    await produce([record(event('known-model'))]);
    const canary = uniqueId('ghost');
    await produce([record(event(canary))]);
    await g1AlertFor(canary);
    await engineCaughtUp();
    // Other modules may judge the registered model (a T1 bank model with no validation on
    // record is F2); G1 must not.
    expect(await alertsOf(tenant.keys.viewer, { model: 'known-model', rule: 'G1' })).toEqual([]);
  });

  it('sends a malformed record to the dead-letter topic once, with its reason, and goes on', async () => {
    const modelId = uniqueId('after-bad');
    const badKey = telemetryKey(tenant.tenantId, modelId);
    const stranger = telemetryEvent({ tenant_id: uniqueId('no-such-tenant'), model_id: modelId });
    const strangerKey = telemetryKey(stranger.tenant_id, stranger.model_id);
    const consumer = kanshi.kafka.consumer({ groupId: uniqueId('dlq-reader') });
    const dead: { key: string; reason: string; error: string; offset: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.telemetryDeadLetter, fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: ({ message }) => {
        const key = message.key?.toString() ?? '';
        // Another engine on this Kafka (a running `npm start`) dead-letters the same records.
        const group = String(message.headers?.[DEAD_LETTER_HEADERS.consumerGroup]);
        if ((key === badKey || key === strangerKey) && group === kanshi.config.values.engineGroupId) {
          dead.push({
            key,
            reason: String(message.headers?.[DEAD_LETTER_HEADERS.reason]),
            error: String(message.headers?.[DEAD_LETTER_HEADERS.error]),
            offset: String(message.headers?.[DEAD_LETTER_HEADERS.originalOffset]),
          });
        }
        return Promise.resolve();
      },
    });
    await joined;
    try {
      // Not JSON, then valid JSON missing fields, then a good event, all on one partition.
      await produce([
        signedMessage(tenant.ingestKey, { key: badKey, value: '{"event_type": "prediction", ' }),
        signedMessage(tenant.ingestKey, { key: badKey, value: JSON.stringify({ tenant_id: tenant.tenantId, model_id: modelId }) }),
        record(event(modelId)),
      ]);
      await produce([record(stranger)]);

      await g1AlertFor(modelId);
      await engineCaughtUp();
      await waitFor('three dead letters', () => Promise.resolve(dead.length >= 3 ? true : undefined));
      // A later record proves the DLQ reader has seen everything the engine wrote before it.
      await produce([signedMessage(tenant.ingestKey, { key: badKey, value: 'not json at all' })]);
      await waitFor('the fourth dead letter', () => Promise.resolve(dead.filter((d) => d.key === badKey).length >= 3 ? true : undefined));

      const ofBadKey = dead.filter((d) => d.key === badKey);
      expect(ofBadKey.map((d) => d.reason)).toEqual(['NOT_JSON', 'SCHEMA_INVALID', 'NOT_JSON']);
      expect(ofBadKey[1]?.error).toContain('/event_id: event_id is required');
      expect(new Set(ofBadKey.map((d) => d.offset)).size).toBe(3);
      // Signed with this tenant's key, it cannot speak for another tenant, existing or not.
      expect(dead.filter((d) => d.key === strangerKey).map((d) => d.reason)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await consumer.disconnect();
    }
  });

  it('accepts events over HTTP with a producer key and raises the same alert', async () => {
    const modelId = uniqueId('http-ghost');
    const e = event(modelId);
    const response = await request(kanshi.gatewayHttp)
      .post('/v1/telemetry')
      .set('Authorization', `Bearer ${tenant.keys.producer}`)
      .send({ events: [e, { ...e, event_id: '' }] });

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect((response.body as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['accepted', 'rejected']);
    const alert = await g1AlertFor(modelId);
    expect(alert.evidence_event_ids).toEqual([e.event_id]);

    const huge = { ...event(modelId), payload: { blob: 'x'.repeat(kanshi.config.values.maxEventBytes) } };
    const tooLarge = await request(kanshi.gatewayHttp)
      .post('/v1/telemetry')
      .set('Authorization', `Bearer ${tenant.keys.producer}`)
      .send({ events: [huge] });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toMatchObject({ accepted: 0, results: [{ status: 'rejected', errors: [{ rule: 'maxBytes' }] }] });
  });

  it('refuses requests without a valid key (401) and keeps tenants apart', async () => {
    const api = request(kanshi.apiHttp);
    const noKey = await api.get('/v1/alerts');
    expect(noKey.status).toBe(401);
    expect(noKey.headers['content-type']).toContain('application/problem+json');
    expect(noKey.headers['www-authenticate']).toBe('Bearer');
    expect((await api.get('/v1/alerts').set('Authorization', 'Bearer kanshi_000000000000_notarealsecretnotarealsecretnotareal')).status).toBe(401);
    expect((await api.get('/v1/alerts').set('Authorization', 'Basic abc')).status).toBe(401);
    const gatewayNoKey = await request(kanshi.gatewayHttp).post('/v1/telemetry').send(event('x'));
    expect(gatewayNoKey.status).toBe(401);

    const other = await createTenantFixture(kanshi.dataSource, uniqueId('other'));
    const mine = await alertsOf(tenant.keys.viewer);
    expect(mine.length).toBeGreaterThan(0);
    expect(await alertsOf(other.keys.viewer)).toEqual([]);
    const guessed = await api.get(`/v1/alerts/${mine[0]!.id}`).set('Authorization', `Bearer ${other.keys.viewer}`);
    expect(guessed.status).toBe(404);
    const own = await api.get(`/v1/alerts/${mine[0]!.id}`).set('Authorization', `Bearer ${tenant.keys.viewer}`);
    expect(own.status).toBe(200);

    const wrongTenant = await request(kanshi.gatewayHttp)
      .post('/v1/telemetry')
      .set('Authorization', `Bearer ${other.keys.producer}`)
      .send(event('x'));
    expect(wrongTenant.status).toBe(403);
    const producerReadsAlerts = await api.get('/v1/alerts').set('Authorization', `Bearer ${tenant.keys.producer}`);
    expect(producerReadsAlerts.status).toBe(403);
  });
});
