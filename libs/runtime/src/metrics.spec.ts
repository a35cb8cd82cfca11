import { request as httpRequest } from 'node:http';
import express from 'express';
import { Registry } from 'prom-client';
import { httpMetrics, startOpsServer, UNMATCHED_ROUTE, type OpsServer } from './metrics';
import type { HealthReport } from './health';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function counts(registry: Registry): Promise<Record<string, number>> {
  const [metric] = await registry.getMetricsAsJSON();
  const result: Record<string, number> = {};
  for (const value of (metric?.values ?? []) as { metricName?: string; value: number; labels: Record<string, string | number> }[]) {
    if (value.metricName !== 'kanshi_http_request_duration_seconds_count') continue;
    const { method, route, status } = value.labels;
    result[`${String(method)} ${String(route)} ${String(status)}`] = value.value;
  }
  return result;
}

describe('httpMetrics', () => {
  it('labels requests by route pattern and status, never by the path a client sent', async () => {
    const registry = new Registry();
    const app = express();
    app.use(httpMetrics(registry));
    app.get('/v1/alerts/:id', (_request, response) => void response.status(200).json({}));
    const router = express.Router();
    router.post('/items/:item', (_request, response) => void response.status(409).end());
    app.use('/v1/nested', router);
    let hanging: (() => void) | undefined;
    app.get('/v1/slow', (_request, response) => void (hanging = () => response.end()));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      await get(port, '/v1/alerts/a-1');
      await get(port, '/v1/alerts/a-2');
      await get(port, '/no/such/path/123');
      await new Promise<void>((resolve, reject) =>
        httpRequest({ host: '127.0.0.1', port, path: '/v1/nested/items/x', method: 'POST' }, (r) => r.resume().on('end', resolve)).on('error', reject).end(),
      );
      // A client that gives up before the answer.
      await new Promise<void>((resolve) => {
        const call = httpRequest({ host: '127.0.0.1', port, path: '/v1/slow' });
        call.on('error', () => resolve());
        call.end();
        // Leaves once the app holds the request.
        const leaveWhenServed = (): void => void (hanging ? call.destroy() : setImmediate(leaveWhenServed));
        leaveWhenServed();
      });
      for (let turns = 0; turns < 10_000 && (await counts(registry))['GET /v1/slow aborted'] === undefined; turns += 1) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      hanging?.();
      server.close();
    }

    expect(await counts(registry)).toEqual({
      'GET /v1/slow aborted': 1,
      'GET /v1/alerts/:id 200': 2,
      [`GET ${UNMATCHED_ROUTE} 404`]: 1,
      'POST /v1/nested/items/:item 409': 1,
    });
  });
});

describe('startOpsServer', () => {
  let server: OpsServer | undefined;
  afterEach(async () => server?.close());

  it('serves the registry, liveness, and readiness from the checks', async () => {
    const registry = new Registry();
    registry.registerMetric(new (await import('prom-client')).Counter({ name: 'kanshi_test_things_total', help: 'Things.', registers: [] }));
    let report: HealthReport = { status: 'up', checks: { postgres: { status: 'up' } } };
    server = await startOpsServer(registry, 0, '127.0.0.1', () => Promise.resolve(report));

    expect((await get(server.port, '/metrics')).body).toContain('kanshi_test_things_total 0');
    expect(await get(server.port, '/health/live')).toEqual({ status: 200, body: '{"status":"up","checks":{}}' });
    expect(await get(server.port, '/health/ready')).toEqual({ status: 200, body: JSON.stringify(report) });

    report = { status: 'down', checks: { postgres: { status: 'down' } } };
    expect(await get(server.port, '/health/ready')).toEqual({ status: 503, body: JSON.stringify(report) });
    expect((await get(server.port, '/health')).status).toBe(503);
    expect((await get(server.port, '/health/live')).status).toBe(200);
    expect((await get(server.port, '/other')).status).toBe(404);
  });

  it('answers 503 when the readiness checks themselves fail', async () => {
    server = await startOpsServer(new Registry(), 0, '127.0.0.1', () => Promise.reject(new Error('boom')));
    expect((await get(server.port, '/health/ready')).status).toBe(503);
  });
});
