import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig } from '@kanshi/config';
import { AlertWrites } from '@kanshi/persistence';
import { KANSHI_VERSION } from '@kanshi/runtime';
import { createTenantFixture, findingRecord, g1Fingerprint, raiseAlertJob, uniqueId, type TenantFixture } from '@kanshi/testing';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';
import {
  callRoute,
  documentedRoutes,
  openApiProblems,
  operationFor,
  registeredRoutes,
  schemaValidator,
  startApiAlone,
  type OpenApiDocument,
  type RouteKey,
  type RunningApi,
} from './openapi-routes';

/** Routes anyone may call, without a key. */
const PUBLIC: readonly RouteKey[] = ['GET /health', 'GET /health/ready', 'GET /health/live', 'GET /metrics'];

async function documentOf(http: Server): Promise<OpenApiDocument> {
  const response = await request(http).get('/openapi.json');
  expect(response.status).toBe(200);
  return response.body as OpenApiDocument;
}

/**
 * The API's OpenAPI document is generated from the code; this checks it against what the
 * running app serves: the same routes, well-formed OpenAPI 3.1, and real answers that fit it.
 */
describe('the API’s OpenAPI document (real PostgreSQL and Redis)', () => {
  let running: RunningApi;
  let api: INestApplication;
  let http: Server;
  let document: OpenApiDocument;

  beforeAll(async () => {
    running = await startApiAlone('openapi');
    ({ api, http } = running);
    document = await documentOf(http);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('is a well-formed OpenAPI 3.1 document of this version', () => {
    expect(openApiProblems(document)).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Kanshi API', version: KANSHI_VERSION });
  });

  it('describes exactly the routes the api serves (method and path, parameters included)', () => {
    const served = registeredRoutes(api);
    // The walk sees the routes at all: a few that must be there, with `{param}` paths.
    expect(served).toEqual(expect.arrayContaining(['GET /health', 'GET /v1/alerts', 'POST /v1/alerts/{id}/ack', 'GET /v1/models/{modelId}/policy']));
    const documented = documentedRoutes(document);
    expect({ servedButNotDocumented: served.filter((r) => !documented.includes(r)), documentedButNotServed: documented.filter((r) => !served.includes(r)) }).toEqual({
      servedButNotDocumented: [],
      documentedButNotServed: [],
    });
  });

  it('documents every operation: a summary and a tag; a keyed route its key, 401 and 403', () => {
    const gaps = documentedRoutes(document).flatMap((route) => {
      const [method = '', path = ''] = route.split(' ');
      const op = document.paths[path]?.[method.toLowerCase()];
      if (!op) return [`${route}: missing`];
      const missing: string[] = [];
      if (!op.summary) missing.push('summary');
      if (!op.tags?.length) missing.push('tag');
      if (!Object.keys(op.responses).some((s) => s.startsWith('2'))) missing.push('a 2xx answer');
      if (!PUBLIC.includes(route)) {
        if (!op.security?.some((s) => 'api-key' in s)) missing.push('security api-key');
        for (const status of ['401', '403']) if (!op.responses[status]) missing.push(status);
      }
      if (['POST', 'PUT', 'PATCH'].includes(method) && !op.requestBody) missing.push('request body');
      return missing.length > 0 ? [`${route}: ${missing.join(', ')}`] : [];
    });
    expect(gaps).toEqual([]);
  });

  describe('real answers', () => {
    let tenant: TenantFixture;
    let alertId: string;
    const modelId = 'openapi-model';
    const answers: { call: string; response: Response }[] = [];

    /** Calls the API and keeps the answer, to be checked against the document. */
    const call = async (method: string, path: string, options: { key?: string | null; body?: object } = {}) => {
      const response = await callRoute(http, method, path, { ...(options.key !== null && { key: options.key ?? tenant.keys.admin }), ...(options.body && { body: options.body }) });
      answers.push({ call: `${method} ${path}`, response });
      return response;
    };

    beforeAll(async () => {
      tenant = await createTenantFixture(api.get(DataSource), uniqueId('openapi'), [{ modelId: 'seeded-model' }]);
      const raised = await api.get(AlertWrites).recordFindings(raiseAlertJob(tenant.tenantId, modelId, [findingRecord(g1Fingerprint(tenant.tenantId, modelId), 'high')]));
      alertId = raised.alertId;
    });

    it('each is of a documented status and content type, and fits the documented schema', async () => {
      const later = new Date(Date.now() + 3600_000).toISOString();
      await call('GET', '/health', { key: null });
      await call('GET', '/health/ready', { key: null });
      await call('GET', '/health/live', { key: null });
      await call('GET', '/v1/alerts', { key: null });
      await call('GET', `/v1/alerts?severity=high&limit=5`);
      await call('GET', `/v1/alerts?limit=0`);
      await call('GET', `/v1/alerts/${alertId}`);
      await call('GET', `/v1/alerts/${randomUUID()}`);
      await call('GET', `/v1/alerts/${alertId}/occurrences`);
      await call('GET', `/v1/alerts/${alertId}/occurrences?bucket=hour&limit=0`);
      await call('GET', `/v1/alerts/${alertId}/notifications`);
      await call('POST', `/v1/alerts/${alertId}/ack`, { key: tenant.keys.viewer, body: {} });
      await call('POST', `/v1/alerts/${alertId}/ack`, { key: tenant.keys.risk_officer, body: { comment: 'Looking into it.' } });
      await call('POST', `/v1/alerts/${alertId}/ack`, { body: {} });
      await call('POST', `/v1/alerts/${alertId}/assign`, { body: { assignee: 'risk@bank.example' } });
      await call('POST', `/v1/alerts/${alertId}/comments`, { body: {} });
      await call('POST', `/v1/alerts/${alertId}/comments`, { body: { comment: 'Vendor asked.' } });
      await call('POST', `/v1/alerts/${alertId}/resolve`, { body: {} });
      await call('POST', `/v1/alerts/${alertId}/reopen`, { body: { comment: 'Not fixed.' } });
      await call('POST', `/v1/alerts/${alertId}/reports`, { body: { reference: 'PMDA-1' } });
      await call('POST', `/v1/alerts/${alertId}/reports`, { body: {} });

      const channel = await call('POST', '/v1/channels', { body: { name: 'ops', kind: 'webhook', config: { url: 'https://203.0.113.10/kanshi' }, secret: 'a-webhook-signing-secret' } });
      const channelId = (channel.body as { id: string }).id;
      await call('POST', '/v1/channels', { body: { name: 'ops', kind: 'webhook', config: { url: 'https://203.0.113.10/kanshi' }, secret: 'a-webhook-signing-secret' } });
      await call('GET', '/v1/channels');
      await call('GET', `/v1/channels/${channelId}`);
      await call('PATCH', `/v1/channels/${channelId}`, { body: { enabled: false } });
      const route = await call('POST', '/v1/routes', { body: { name: 'high to ops', severities: ['high'], channel_ids: [channelId] } });
      const routeId = (route.body as { id: string }).id;
      await call('GET', '/v1/routes');
      await call('GET', `/v1/routes/${routeId}`);
      await call('PATCH', `/v1/routes/${routeId}`, { body: { level: 1 } });
      await call('DELETE', `/v1/channels/${channelId}`);
      await call('DELETE', `/v1/routes/${routeId}`);
      await call('DELETE', `/v1/channels/${channelId}`);

      const silence = await call('POST', '/v1/silences', { body: { matchers: { model_ids: [modelId] }, reason: 'Planned retraining.', ends_at: later } });
      const silenceId = (silence.body as { id: string }).id;
      await call('POST', '/v1/silences', { body: { matchers: {}, reason: 'Everything.', ends_at: later } });
      await call('GET', '/v1/silences?state=all');
      await call('GET', `/v1/silences/${silenceId}`);
      await call('PATCH', `/v1/silences/${silenceId}`, { body: { reason: 'Planned retraining, week 2.' } });
      await call('DELETE', `/v1/silences/${silenceId}`);
      await call('DELETE', `/v1/silences/${silenceId}`);

      await call('GET', '/v1/alerting/settings');
      await call('PUT', '/v1/alerting/settings', { body: { severities: { high: { group_wait: '1m' } } } });
      await call('PUT', '/v1/alerting/settings', { body: { max_escalation_level: 'many' } });

      await call('PUT', `/v1/models/${modelId}`, { body: { name: 'Credit scoring', sectors: ['finance'], owner: 'risk@bank.example' } });
      await call('PUT', `/v1/models/${modelId}`, { body: { name: 'Credit scoring', sectors: ['finance'], approved_versions: [{ version: '1.0.0' }] } });
      await call('PUT', `/v1/models/${modelId}`, { body: { sectors: ['astrology'] } });
      await call('GET', '/v1/models?include_retired=true');
      await call('GET', `/v1/models/${modelId}`);
      await call('PATCH', `/v1/models/${modelId}`, { body: { risk_tier: 'high' } });
      await call('GET', `/v1/models/${modelId}/policy`);
      await call('GET', '/v1/policies/rules');
      await call('PUT', '/v1/policies/overrides', { body: { scope: 'model', target: modelId, rule_id: 'G1', enabled: false } });
      await call('PUT', '/v1/policies/overrides', { body: { scope: 'model', target: modelId, rule_id: 'NOPE' } });
      await call('GET', '/v1/policies/overrides');
      await call('DELETE', `/v1/policies/overrides?scope=model&target=${modelId}&rule_id=G1`);
      await call('DELETE', `/v1/policies/overrides?scope=model&target=${modelId}&rule_id=G1`);
      await call('DELETE', `/v1/models/${modelId}`);
      await call('GET', `/v1/models/${modelId}/policy`, { key: tenant.keys.producer });

      const validator = schemaValidator(document);
      const misfits = answers.flatMap(({ call: label, response }) => {
        const [method = ''] = label.split(' ');
        const found = operationFor(document, method, label.slice(method.length + 1));
        if (!found) return [`${label}: no operation in the document`];
        const documented = found.operation.responses[String(response.status)];
        if (!documented) return [`${label} answered ${response.status}, which ${method} ${found.template} does not document`];
        if (response.status === 204) return [];
        const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
        const content = documented.content?.[type];
        if (!content) return [`${label} answered ${response.status} as ${type}, documented as ${Object.keys(documented.content ?? {}).join(', ') || 'no content'}`];
        if (content.schema === undefined) return [];
        return validator.check(content.schema, response.body).map((e) => `${label} ${response.status}: ${e}`);
      });
      expect(misfits).toEqual([]);
      // The calls above reach every status the document promises for them, not just successes.
      expect(new Set(answers.map((a) => a.response.status))).toEqual(new Set([200, 201, 204, 400, 401, 403, 404, 409]));
    });
  });

  it('serves Prometheus metrics without a key: the requests it served, by route pattern, and the process', async () => {
    await request(http).get('/v1/alerts/no-such-alert');
    const metrics = await request(http).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^kanshi_http_request_duration_seconds_count\{method="GET",route="\/v1\/alerts\/:id",status="401"\} [1-9]/m);
    expect(metrics.text).toMatch(/^kanshi_process_resident_memory_bytes \d+/m);
    expect(metrics.text).not.toContain('no-such-alert');
  });

  it('serves the interactive docs from its own assets', async () => {
    const page = await request(http).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
  });
});

/** The same check, cheaply, for the ingest gateway's document (its answers are checked in ingest-gateway.e2e-spec). */
describe('the ingest gateway’s OpenAPI document (real Kafka and PostgreSQL)', () => {
  let gateway: INestApplication;

  beforeAll(async () => {
    gateway = await startIngestGateway(loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0' }));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is well-formed OpenAPI 3.1 and describes exactly the routes the gateway serves', async () => {
    const document = await documentOf(gateway.getHttpServer() as Server);
    expect(openApiProblems(document)).toEqual([]);
    const served = registeredRoutes(gateway);
    expect(served).toContain('POST /v1/telemetry');
    expect(documentedRoutes(document)).toEqual(served);
  });
});
