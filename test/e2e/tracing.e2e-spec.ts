import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Tracing } from '@kanshi/runtime';
import { createTenantFixture, telemetryEvent, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}

interface ReceivedSpan {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Record<string, string | number | boolean | undefined>;
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: { key: string; value: OtlpValue }[] }[] }[];
  }[];
}

const valueOf = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue);

/**
 * An OTLP/HTTP traces receiver on loopback, as a collector answers: it keeps every span the apps
 * export (JSON encoding, as Kanshi's exporter sends it).
 */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const exported = JSON.parse(body) as OtlpExport;
      for (const resourceSpans of exported.resourceSpans ?? []) {
        const service = String(valueOf(resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value ?? {}) ?? '');
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              name: span.name,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A telemetry event followed by one trace from the producer's request through the gateway, the
 * engine's batch and the alert job to the stored alert, exported over OTLP/HTTP by each app.
 */
describe('tracing: a producer’s trace followed to the stored alert (real Kafka, PostgreSQL, Redis; OTLP/HTTP)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;

  const flushAll = () => Promise.all([kanshi.gateway, kanshi.engine, kanshi.worker, kanshi.api].map((app) => app.get(Tracing).flush()));

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // Kanshi starts no trace of its own (ratio 0): only the producer's sampled ones are recorded.
    kanshi = await startKanshi({ KANSHI_TRACING: 'otlp', KANSHI_TRACING_OTLP_URL: receiver.url, KANSHI_TRACING_SAMPLE_RATIO: '0' });
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('traced'), []);
    await kanshi.engineKnowsTenant(tenant.tenantId);
  });

  afterAll(async () => {
    await kanshi?.stop();
    await receiver?.close();
  });

  const send = (modelId: string, traceparent?: string) => {
    const call = request(kanshi.gatewayHttp).post('/v1/telemetry').set('Authorization', `Bearer ${tenant.keys.producer}`);
    return (traceparent ? call.set('traceparent', traceparent) : call).send(telemetryEvent({ tenant_id: tenant.tenantId, model_id: modelId })).expect(202);
  };

  const alertOf = (modelId: string) =>
    waitFor(`the G1 alert of ${modelId}`, async () => {
      const rows = await kanshi.dataSource.query<{ id: string }[]>(`SELECT id FROM alerts WHERE tenant_id = $1 AND model_id = $2 AND rule_id = 'G1'`, [tenant.tenantId, modelId]);
      return rows[0];
    });

  it('links the gateway’s request, the engine’s evaluation and the worker’s store of the alert in the producer’s trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const modelId = uniqueId('traced-model');
    await send(modelId, `00-${traceId}-${callerSpan}-01`);
    const alert = await alertOf(modelId);

    const spans = await waitFor('the trace’s three spans at the receiver', async () => {
      await flushAll();
      const ofTrace = receiver.spans.filter((s) => s.traceId === traceId);
      return ofTrace.some((s) => s.name === 'kanshi.alert.store') ? ofTrace : undefined;
    });
    const ingest = spans.find((s) => s.name === 'kanshi.ingest');
    const evaluate = spans.find((s) => s.name === 'kanshi.engine.evaluate');
    const store = spans.find((s) => s.name === 'kanshi.alert.store');
    expect(ingest).toMatchObject({ service: 'kanshi-ingest-gateway', parentSpanId: callerSpan, attributes: { 'kanshi.tenant_id': tenant.tenantId, 'kanshi.events.accepted': 1 } });
    expect(evaluate).toMatchObject({ service: 'kanshi-policy-engine', parentSpanId: ingest?.spanId, attributes: { 'messaging.kafka.message.key': `${tenant.tenantId}:${modelId}` } });
    expect(store).toMatchObject({
      service: 'kanshi-alert-worker',
      parentSpanId: evaluate?.spanId,
      attributes: { 'kanshi.alert_id': alert.id, 'kanshi.rule_id': 'G1', 'kanshi.model_id': modelId, 'kanshi.alert.created': true },
    });
  });

  it('records nothing for a trace the producer did not sample, nor for requests without one', async () => {
    const unsampled = randomBytes(16).toString('hex');
    const quiet = uniqueId('quiet-model');
    await send(uniqueId('unsampled-model'), `00-${unsampled}-${randomBytes(8).toString('hex')}-00`);
    await send(quiet);
    await alertOf(quiet);
    await kanshi.engineCaughtUp();
    await flushAll();
    expect(receiver.spans.filter((s) => s.traceId === unsampled)).toEqual([]);
    expect(receiver.spans.filter((s) => s.attributes['kanshi.model_id'] === quiet || String(s.attributes['messaging.kafka.message.key'] ?? '').endsWith(`:${quiet}`))).toEqual([]);
  });
});
