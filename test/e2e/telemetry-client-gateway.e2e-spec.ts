import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createTenantFixture, uniqueId, type TenantFixture } from '@kanshi/testing';
import { eventBuilders, GatewayTransport, TelemetryClient, type DeliveryReport, type RetryNotice } from '@kanshi/telemetry-client';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';

const quiet = { warn: () => undefined, error: () => undefined };

function urlOf(app: INestApplication): string {
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

type Rejected = Extract<DeliveryReport, { status: 'rejected' }>;

describe('HTTP gateway transport (real ingest gateway, Kafka and PostgreSQL)', () => {
  let gateway: INestApplication;
  let url: string;
  let tenant: TenantFixture;

  beforeAll(async () => {
    // Small limits so that one test event is too large and a dozen events are too many for one request.
    const config = loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0', KANSHI_GATEWAY_MAX_BATCH: '5', KANSHI_MAX_EVENT_BYTES: '1024' });
    gateway = await startIngestGateway(config);
    url = urlOf(gateway);
    tenant = await createTenantFixture(gateway.get(DataSource), uniqueId('sdk'));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('reports the events the gateway refuses to the caller, delivers the others, and never retries a refusal', async () => {
    const retries: RetryNotice[] = [];
    const client = new TelemetryClient({ gateway: { url, apiKey: tenant.keys.producer }, onRetry: (n) => retries.push(n), logger: quiet });
    const events = eventBuilders({ tenant_id: tenant.tenantId, model_id: 'credit' });
    const small = [0.1, 0.2, 0.3].map((score) => client.send(events.prediction({ payload: { score } })));
    // Valid for the contract and the client (under 256 KiB), too large for this gateway (1 KiB).
    const large = client.send(events.prediction({ payload: { output: 'x'.repeat(2000) } }));
    expect(await client.close()).toEqual({ accepted: 3, rejected: 1, failed: 0 });
    expect((await Promise.all(small)).map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const refused = (await large) as Rejected;
    expect(refused).toMatchObject({ status: 'rejected', attempts: 1 });
    expect(refused.errors).toEqual([expect.objectContaining({ pointer: '', rule: 'maxBytes', expected: 1024 })]);
    expect(retries).toEqual([]);
  });

  it('maps the per-event results of a 400 (every event refused) onto the events, in order', async () => {
    const transport = new GatewayTransport({ url, apiKey: tenant.keys.producer });
    const events = eventBuilders({ tenant_id: tenant.tenantId, model_id: 'credit' });
    // Raw values the client would have refused, sent straight through the transport.
    const values = [
      { ...events.prediction({ payload: {} }), timestamp: 'yesterday' },
      { ...events.prediction({ payload: {} }), event_type: 'weather' },
    ] as unknown as TelemetryEvent[];
    const outcomes = await transport.send(
      values.map((event) => ({ event, key: telemetryKey(event.tenant_id, event.model_id), value: JSON.stringify(event), bytes: JSON.stringify(event).length })),
    );
    expect(outcomes).toEqual([
      { status: 'rejected', errors: [expect.objectContaining({ pointer: '/timestamp', rule: 'format' })] },
      { status: 'rejected', errors: [expect.objectContaining({ pointer: '/event_type' })] },
    ]);
  });

  it('splits a batch the gateway finds too large (413) and delivers every event', async () => {
    const client = new TelemetryClient({ gateway: { url, apiKey: tenant.keys.producer }, batch: { maxEvents: 12, lingerMs: 60_000 }, logger: quiet });
    const events = eventBuilders({ tenant_id: tenant.tenantId, model_id: 'triage' });
    const reports = Array.from({ length: 12 }, (_, i) => client.send(events.performance_metric({ payload: { metric: 'sensitivity', value: i / 12 } })));
    expect(await client.close()).toEqual({ accepted: 12, rejected: 0, failed: 0 });
    expect((await Promise.all(reports)).every((r) => r.status === 'accepted')).toBe(true);
  });

  it('fails the batch without retrying on a bad API key (401) or a key of another tenant (403)', async () => {
    const events = eventBuilders({ tenant_id: tenant.tenantId, model_id: 'credit' });
    const badKey = new TelemetryClient({ gateway: { url, apiKey: 'kanshi_000000000000_notarealkeynotarealkeynotarealkey' }, logger: quiet });
    const unauthorised = badKey.send(events.prediction({ payload: { score: 0.5 } }));
    await badKey.close();
    expect(await unauthorised).toMatchObject({ status: 'failed', attempts: 1, error: { message: expect.stringContaining('answered 401') } });

    const other = await createTenantFixture(gateway.get(DataSource), uniqueId('sdk-other'));
    const wrongTenant = new TelemetryClient({ gateway: { url, apiKey: other.keys.producer }, logger: quiet });
    const mismatch = wrongTenant.send(events.prediction({ payload: { score: 0.5 } }));
    await wrongTenant.close();
    expect(await mismatch).toMatchObject({ status: 'failed', attempts: 1, error: { message: expect.stringMatching(/answered 403: .*tenant/) } });
  });

  it("retries a 503 while Kafka is unreachable, waiting as the gateway's Retry-After says, then reports the events failed", async () => {
    const broken = await startIngestGateway(
      // KANSHI_LOG_LEVEL=fatal: the gateway's own Kafka connection errors are expected here.
      loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0', KANSHI_KAFKA_BROKERS: '127.0.0.1:1', KANSHI_GATEWAY_KAFKA_TIMEOUT_MS: '500', KANSHI_LOG_LEVEL: 'fatal' }),
    );
    try {
      const retries: RetryNotice[] = [];
      // The gateway asks for 5 s; the cap keeps the test short and shows the hint was read.
      const client = new TelemetryClient({
        gateway: { url: urlOf(broken), apiKey: tenant.keys.producer },
        retry: { maxAttempts: 2, initialDelayMs: 10, maxRetryAfterMs: 300 },
        onRetry: (n) => retries.push(n),
        logger: quiet,
      });
      const events = eventBuilders({ tenant_id: tenant.tenantId, model_id: 'credit' });
      const report = client.send(events.prediction({ payload: { score: 0.5 } }));
      expect(await client.close()).toEqual({ accepted: 0, rejected: 0, failed: 1 });
      expect(retries).toEqual([expect.objectContaining({ attempt: 1, delayMs: 300, error: expect.objectContaining({ retryAfterMs: 5000 }) })]);
      expect(await report).toMatchObject({ status: 'failed', attempts: 2, error: { message: expect.stringMatching(/gave up after 2 attempts: .*answered 503/) } });
    } finally {
      await broken.close();
    }
  });
});
