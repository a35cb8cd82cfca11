import type { Server as HttpServer } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { validateTelemetryEvent, type TelemetryEvent, type ValidationIssue } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { ANSWER_LIMITS, answerBytesBound, type EventFate } from '@kanshi/ingest';
import { createTenantFixture, telemetryEvent, uniqueId, type TenantFixture } from '@kanshi/testing';
import { startApi } from '../../apps/api/src/main';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';

// Bodies built to hurt: answers many times larger than the request, error lists long enough to
// overflow the stack, nesting deep enough to overflow any recursive walk. Each gets an answer of
// the documented kind and size, never a 500.

interface IntakeAnswer {
  readonly status?: number;
  readonly title?: string;
  readonly accepted: number;
  readonly rejected: number;
  readonly results: EventFate[];
}

/** `levels` objects inside each other around `1`, as JSON text (a value would overflow JSON.stringify). */
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('hostile request bodies (real gateway and api)', () => {
  let gateway: INestApplication;
  let gatewayHttp: HttpServer;
  let api: INestApplication;
  let apiHttp: HttpServer;
  let tenant: TenantFixture;
  const maxEventBytes = 2 * 1024 * 1024;

  const postTelemetry = (body: string) =>
    request(gatewayHttp).post('/v1/telemetry').set('Authorization', `Bearer ${tenant.keys.producer}`).set('Content-Type', 'application/json').send(body);
  const event = (overrides: Partial<TelemetryEvent> = {}) => ({ ...telemetryEvent({ tenant_id: tenant.tenantId, model_id: uniqueId('hostile') }), ...overrides });
  /** A data_usage event whose every pseudo-id is empty: one issue per id. */
  const brokenUsage = (ids: number) =>
    event({ event_type: 'data_usage', payload: { dataset_id: 'd', purpose: 'training', data_categories: ['personal'], subject_pseudo_ids: Array<string>(ids).fill('') } });
  const issuesOf = (value: unknown): readonly ValidationIssue[] => {
    const checked = validateTelemetryEvent(value);
    if (checked.ok) throw new Error('expected an invalid event');
    return checked.issues;
  };

  beforeAll(async () => {
    // Events up to 2 MiB, so one event can carry a few hundred thousand issues to the validator.
    const config = loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0', KANSHI_API_PORT: '0', KANSHI_MAX_EVENT_BYTES: String(maxEventBytes) });
    gateway = await startIngestGateway(config);
    gatewayHttp = gateway.getHttpServer() as HttpServer;
    api = await startApi(config);
    apiHttp = api.getHttpServer() as HttpServer;
    tenant = await createTenantFixture(gateway.get(DataSource), uniqueId('hostile'));
  });

  afterAll(async () => {
    await gateway?.close();
    await api?.close();
  });

  it('answers a ~1 MB batch of events with hundreds of issues each in a bounded answer that still gives every event its fate', async () => {
    const events = Array.from({ length: 1000 }, () => brokenUsage(300));
    const body = JSON.stringify({ events });
    expect(body.length).toBeGreaterThan(1_000_000);

    const response = await postTelemetry(body);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(Buffer.byteLength(response.text)).toBeLessThan(answerBytesBound(events.length));
    const answer = response.body as IntakeAnswer;
    expect(answer).toMatchObject({ status: 400, title: 'No event was valid', accepted: 0, rejected: 1000 });
    expect(answer.results.map((r) => r.index)).toEqual(events.map((_, i) => i));
    const total = issuesOf(events[0]).length;
    for (const [i, fate] of answer.results.entries()) {
      if (fate.status !== 'rejected') throw new Error(`event ${i} was not rejected`);
      expect(fate.event_id).toBe(events[i]?.event_id);
      expect(fate.errors.length).toBeGreaterThanOrEqual(1);
      expect(fate.errors.length).toBeLessThanOrEqual(ANSWER_LIMITS.issuesPerEvent);
      expect(fate.errors.length + (fate.errors_omitted ?? 0)).toBe(total);
    }
    expect(answer.results[0]).toMatchObject({ errors: [0, 1, 2, 3, 4].map((i) => ({ pointer: `/payload/subject_pseudo_ids/${i}`, rule: 'minLength' })) });
    // Past the shared budget, events list their first issue only.
    expect(answer.results[999]).toMatchObject({ errors: [{ pointer: '/payload/subject_pseudo_ids/0' }], errors_omitted: total - 1 });
  });

  // Kafka is not needed: none of these bodies holds a valid event, so nothing is produced.
  it('answers an event with over 300,000 issues (the stack overflowed on it) with its first issues and their count', async () => {
    const huge = brokenUsage(330_000);
    const response = await postTelemetry(JSON.stringify({ events: [huge, { ...event(), timestamp: 'yesterday' }] }));

    expect(response.status).toBe(400);
    const answer = response.body as IntakeAnswer;
    expect(answer).toMatchObject({ accepted: 0, rejected: 2 });
    const [fate, other] = answer.results;
    if (fate?.status !== 'rejected') throw new Error('the huge event was not rejected');
    expect(fate.errors).toHaveLength(ANSWER_LIMITS.issuesPerEvent);
    expect(fate.errors_omitted).toBe(issuesOf(huge).length - ANSWER_LIMITS.issuesPerEvent);
    expect(fate.errors_omitted).toBeGreaterThan(330_000 - ANSWER_LIMITS.issuesPerEvent);
    expect(other).toMatchObject({ index: 1, status: 'rejected', errors: [{ pointer: '/timestamp' }] });
    expect(Buffer.byteLength(response.text)).toBeLessThan(answerBytesBound(2));
  });

  it('refuses an event over the size limit for its size alone, without listing its other issues', async () => {
    const oversized = brokenUsage(900_000);
    const response = await postTelemetry(JSON.stringify(oversized));

    expect(response.status).toBe(400);
    const [fate] = (response.body as IntakeAnswer).results;
    expect(fate).toMatchObject({ index: 0, event_id: oversized.event_id, status: 'rejected', errors: [{ rule: 'maxBytes', expected: maxEventBytes }] });
    expect(fate).not.toHaveProperty('errors_omitted');
  });

  it('judges nesting per event at the gateway: each deep event is rejected naming the limit, beside the other events', async () => {
    const deepPayload = JSON.stringify(event({ payload: { output: 0 } })).replace('"output":0', `"output":${deepObject(100_000)}`);
    const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const late = event({ timestamp: 'yesterday' });
    const batch = await postTelemetry(`{"events":[${JSON.stringify(late)},${deepPayload},${deepArray}]}`);

    expect(batch.status).toBe(400);
    expect(batch.headers['content-type']).toContain('application/problem+json');
    const results = (batch.body as IntakeAnswer).results;
    expect(results[0]).toMatchObject({ event_id: late.event_id, status: 'rejected', errors: [{ pointer: '/timestamp' }] });
    expect(results[1]).toMatchObject({ status: 'rejected', errors: [{ pointer: '', rule: 'maxDepth', expected: 32 }] });
    expect(results[1]?.status === 'rejected' && results[1].errors[0]?.message).toContain('32 levels');
    expect(results[2]).toMatchObject({ status: 'rejected', event_id: null, errors: [{ rule: 'type', expected: 'object' }] });

    const alone = await postTelemetry(deepPayload);
    expect(alone.status).toBe(400);
    expect(alone.body).toMatchObject({ results: [{ status: 'rejected', errors: [{ rule: 'maxDepth', expected: 32 }] }] });
  });

  it('answers JSON nested deeper than 64 levels to the api with a 400 naming the limit, on every route, and keeps serving', async () => {
    const admin = (method: 'post' | 'put' | 'patch', path: string, body: string) =>
      request(apiHttp)[method](path).set('Authorization', `Bearer ${tenant.keys.admin}`).set('Content-Type', 'application/json').send(body);
    const bodies = [
      ['post', '/v1/keys', `{"name":"deep","roles":["viewer"],"extra":${deepObject(100_000)}}`],
      ['put', '/v1/policies/overrides', `{"scope":"tenant","rule_id":"G1","args":${deepObject(100_000)}}`],
      ['post', '/v1/channels', `{"name":"deep","kind":"webhook","config":{"url":"https://example.com/hook","x":${deepObject(100_000)}}}`],
      ['patch', '/v1/tenant', `{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      // Just past the limit.
      ['post', '/v1/keys', `{"name":"deep","roles":["viewer"],"extra":${deepObject(64)}}`],
    ] as const;
    for (const [method, path, body] of bodies) {
      const response = await admin(method, path, body);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body).toMatchObject({ title: 'JSON nested too deeply', limit: 64, instance: path });
      expect((response.body as { detail: string }).detail).toContain('the limit is 64');
    }

    // Within the limit, the route's own validation answers as before.
    const shallow = await admin('post', '/v1/keys', `{"name":"deep","roles":["viewer"],"extra":${deepObject(10)}}`);
    expect(shallow.status).toBe(400);
    expect(shallow.body).toMatchObject({ title: 'Invalid request', errors: [{ field: 'extra' }] });
    const me = await request(apiHttp).get('/v1/me').set('Authorization', `Bearer ${tenant.keys.admin}`);
    expect(me.status).toBe(200);
  });
});
