import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { KANSHI_VERSION } from '@kanshi/runtime';
import { createTenantFixture, telemetryEvent, uniqueId, type TenantFixture } from '@kanshi/testing';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';

interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
}

const SCHEMA_BASE = 'https://openapi.kanshi.test/components';

/** An ajv instance that knows the document's component schemas, as `${SCHEMA_BASE}#/$defs/<name>`. */
function validatorsOf(document: OpenApiDocument) {
  const defs = JSON.parse(JSON.stringify(document.components.schemas).replaceAll('#/components/schemas/', `${SCHEMA_BASE}#/$defs/`)) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_BASE, $defs: defs });
  return (name: string) => {
    const validate = ajv.getSchema(`${SCHEMA_BASE}#/$defs/${name}`);
    if (!validate) throw new Error(`the document has no schema ${name}`);
    return (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
  };
}

/** The routes Express actually serves, as `METHOD /path`, without the docs' own. */
function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  return express.router.stack
    .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`) : []))
    .filter((route) => !/ \/(openapi\.json|docs)/.test(route));
}

async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('ingest gateway (real Kafka and PostgreSQL)', () => {
  let config: AppConfig;
  let gateway: INestApplication;
  let http: HttpServer;
  let tenant: TenantFixture;

  const post = () => request(http).post('/v1/telemetry').set('Authorization', `Bearer ${tenant.keys.producer}`);
  const event = () => telemetryEvent({ tenant_id: tenant.tenantId, model_id: uniqueId('gw-model') });

  beforeAll(async () => {
    config = loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0', KANSHI_GATEWAY_MAX_BATCH: '5', KANSHI_GATEWAY_BODY_LIMIT_BYTES: '65536' });
    gateway = await startIngestGateway(config);
    http = gateway.getHttpServer() as HttpServer;
    tenant = await createTenantFixture(gateway.get(DataSource), uniqueId('gw'));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('serves an OpenAPI 3.1 document that covers every route and describes the real answers', async () => {
    const response = await request(http).get('/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body as OpenApiDocument;
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe(KANSHI_VERSION);

    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`));
    const served = servedRoutes(gateway);
    expect(served).toContain('POST /v1/telemetry');
    expect(documented.sort()).toEqual(served.sort());
    expect(Object.keys(document.paths['/v1/telemetry']!['post']!.responses).sort()).toEqual(['202', '400', '401', '403', '413', '415', '503']);

    const schema = validatorsOf(document);
    // The examples of the contract are valid requests, one by one and as a batch.
    const examplesDir = join(__dirname, '../../libs/contracts/examples');
    const examples = readdirSync(examplesDir).map((file) => JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as unknown);
    for (const example of examples) expect(schema('TelemetryEvent')(example)).toEqual([]);
    expect(schema('TelemetryBatch')({ events: examples })).toEqual([]);
    expect(schema('TelemetryEvent')({ ...event(), schema_version: 'one' })).not.toEqual([]);

    const accepted = await post().send({ events: [event(), { ...event(), timestamp: 'yesterday' }] });
    expect(accepted.status).toBe(202);
    expect(schema('IntakeResult')(accepted.body)).toEqual([]);
    const rejected = await post().send({ ...event(), event_type: 'weather' });
    expect(rejected.status).toBe(400);
    expect(schema('IntakeProblem')(rejected.body)).toEqual([]);
    expect(rejected.body).toMatchObject({ results: [{ status: 'rejected', errors: [{ pointer: '/event_type' }] }] });
  });

  it('serves the interactive docs from its own assets', async () => {
    const page = await request(http).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    const bundle = await request(http).get('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
  });

  it('answers malformed JSON with 400 naming the line, column and position', async () => {
    const body = '{"events": [\n  {"event_id": "a",\n   "tenant_id": }\n]}';
    const response = await post().set('Content-Type', 'application/json').send(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const position = body.indexOf('}');
    expect(response.body).toMatchObject({ title: 'Malformed JSON', position, line: 3, column: 17 });
    expect((response.body as { detail: string }).detail).toContain('line 3, column 17');

    const latin1 = Buffer.concat([Buffer.from('{"events": [{"note": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    // Raw bytes (supertest would re-encode a Buffer as JSON).
    const { port } = http.address() as { port: number };
    const notUtf8 = await fetch(`http://127.0.0.1:${port}/v1/telemetry`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.keys.producer}` },
      body: latin1,
    });
    expect(notUtf8.status).toBe(400);
    expect(((await notUtf8.json()) as { detail: string }).detail).toBe('The body is not valid UTF-8; send JSON encoded as UTF-8.');

    const truncated = JSON.stringify({ events: [event()] }).slice(0, 40);
    const cut = await post().set('Content-Type', 'application/json').send(truncated);
    expect(cut.status).toBe(400);
    expect(cut.body).toMatchObject({ position: 40 });
    expect((cut.body as { detail: string }).detail).toContain('found end of input');
  });

  it('answers 415 to a body that is not JSON, and 413 to a body or a batch over the limit', async () => {
    const text = await post().set('Content-Type', 'text/plain').send(JSON.stringify(event()));
    expect(text.status).toBe(415);
    expect(text.headers['content-type']).toContain('application/problem+json');
    const none = await post().set('Content-Type', 'application/x-www-form-urlencoded').send('a=1');
    expect(none.status).toBe(415);

    const big = { ...event(), payload: { note: 'x'.repeat(70_000) } };
    const tooLarge = await post().send(big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ status: 413, limit: 65536 });

    const tooMany = await post().send({ events: Array.from({ length: 6 }, event) });
    expect(tooMany.status).toBe(413);
    expect((tooMany.body as { detail: string }).detail).toContain('limit is 5');
  });

  it('answers 503 with Retry-After, not a hang, when Kafka cannot be reached', async () => {
    const timeoutMs = 1500;
    const cutOff = await startIngestGateway(
      loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0', KANSHI_KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`, KANSHI_GATEWAY_KAFKA_TIMEOUT_MS: String(timeoutMs) }),
    );
    try {
      const started = Date.now();
      const response = await request(cutOff.getHttpServer() as HttpServer)
        .post('/v1/telemetry')
        .set('Authorization', `Bearer ${tenant.keys.producer}`)
        .timeout(30_000)
        .send({ events: [event(), event()] });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(response.body).toMatchObject({ status: 503 });
      expect((response.body as { detail: string }).detail).toContain('Retry the whole request');
      // Bounded by the configured limit (plus the key check), far from a client's own timeout.
      expect(elapsed).toBeLessThan(timeoutMs + 5000);

      const health = await request(cutOff.getHttpServer() as HttpServer).get('/health');
      expect(health.status).toBe(503);
      // Up or down only: no key is needed, so the reason (hosts, ports) stays in the log.
      expect(health.body).toEqual({ status: 'down', checks: { kafka: { status: 'down' }, postgres: { status: 'up' } } });
    } finally {
      await cutOff.close();
    }
  });
});
