import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertWrites } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, g1Fingerprint, ingestKeyId, raiseAlertJob, uniqueId, type TenantFixture } from '@kanshi/testing';
import { callRoute, fillPath, registeredRoutes, startApiAlone, type RouteKey, type RunningApi } from './openapi-routes';

type Role = 'admin' | 'risk_officer' | 'producer' | 'viewer';
const ROLES: readonly Role[] = ['admin', 'risk_officer', 'producer', 'viewer'];

/** Allowed: the call gets past authorization (2xx, or 400/404/409 about the request itself). */
const Y = 'allowed';
/** Refused: 403 exactly. */
const N = 'refused';
type Cell = typeof Y | typeof N;
type Row = readonly [RouteKey, Cell, Cell, Cell, Cell] | readonly [RouteKey, 'public'];

/**
 * EVERY route of the api × role. Written by hand from the intended policy (README role matrix):
 * producer only sends telemetry (gateway) and may read `GET /v1/me`; viewer reads; risk_officer
 * also acts on alerts and silences; admin also manages keys, models, policies, channels, routes
 * and settings. A route the app serves that is not here fails the test: classify it first.
 */
const MATRIX: readonly Row[] = [
  //  route                                          admin  risk_officer  producer  viewer
  ['GET /health',                                    'public'],
  ['GET /health/ready',                              'public'],
  ['GET /health/live',                               'public'],
  ['GET /metrics',                                   'public'],

  ['GET /v1/me',                                     Y,     Y,            Y,        Y],
  ['GET /v1/tenant',                                 Y,     Y,            N,        Y],
  ['PATCH /v1/tenant',                               Y,     N,            N,        N],
  ['GET /v1/keys',                                   Y,     N,            N,        N],
  ['POST /v1/keys',                                  Y,     N,            N,        N],
  ['DELETE /v1/keys/{keyId}',                        Y,     N,            N,        N],
  ['GET /v1/ingest-keys',                            Y,     N,            N,        N],
  ['POST /v1/ingest-keys',                           Y,     N,            N,        N],
  ['DELETE /v1/ingest-keys/{keyId}',                 Y,     N,            N,        N],
  ['GET /v1/audit',                                  Y,     N,            N,        N],

  ['GET /v1/alerts',                                 Y,     Y,            N,        Y],
  ['GET /v1/alerts/{id}',                            Y,     Y,            N,        Y],
  ['GET /v1/alerts/{id}/occurrences',                Y,     Y,            N,        Y],
  ['GET /v1/alerts/{id}/notifications',              Y,     Y,            N,        Y],
  ['POST /v1/alerts/{id}/ack',                       Y,     Y,            N,        N],
  ['POST /v1/alerts/{id}/assign',                    Y,     Y,            N,        N],
  ['POST /v1/alerts/{id}/comments',                  Y,     Y,            N,        N],
  ['POST /v1/alerts/{id}/resolve',                   Y,     Y,            N,        N],
  ['POST /v1/alerts/{id}/reopen',                    Y,     Y,            N,        N],
  ['POST /v1/alerts/{id}/reports',                   Y,     Y,            N,        N],
  ['GET /v1/alerts/{id}/report-draft',               Y,     Y,            N,        N],

  ['GET /v1/silences',                               Y,     Y,            N,        Y],
  ['POST /v1/silences',                              Y,     Y,            N,        N],
  ['GET /v1/silences/{id}',                          Y,     Y,            N,        Y],
  ['PATCH /v1/silences/{id}',                        Y,     Y,            N,        N],
  ['DELETE /v1/silences/{id}',                       Y,     Y,            N,        N],

  ['GET /v1/channels',                               Y,     Y,            N,        Y],
  ['POST /v1/channels',                              Y,     N,            N,        N],
  ['GET /v1/channels/{id}',                          Y,     Y,            N,        Y],
  ['PATCH /v1/channels/{id}',                        Y,     N,            N,        N],
  ['DELETE /v1/channels/{id}',                       Y,     N,            N,        N],

  ['GET /v1/routes',                                 Y,     Y,            N,        Y],
  ['POST /v1/routes',                                Y,     N,            N,        N],
  ['GET /v1/routes/{id}',                            Y,     Y,            N,        Y],
  ['PATCH /v1/routes/{id}',                          Y,     N,            N,        N],
  ['DELETE /v1/routes/{id}',                         Y,     N,            N,        N],

  ['GET /v1/alerting/settings',                      Y,     Y,            N,        Y],
  ['PUT /v1/alerting/settings',                      Y,     N,            N,        N],

  ['GET /v1/posture',                                Y,     Y,            N,        Y],
  ['GET /v1/models',                                 Y,     Y,            N,        Y],
  ['GET /v1/models/{modelId}',                       Y,     Y,            N,        Y],
  ['PUT /v1/models/{modelId}',                       Y,     N,            N,        N],
  ['PATCH /v1/models/{modelId}',                     Y,     N,            N,        N],
  ['DELETE /v1/models/{modelId}',                    Y,     N,            N,        N],
  ['GET /v1/models/{modelId}/policy',                Y,     Y,            N,        Y],
  ['GET /v1/models/{modelId}/posture',               Y,     Y,            N,        Y],

  ['GET /v1/policies/rules',                         Y,     Y,            N,        Y],
  ['GET /v1/policies/overrides',                     Y,     Y,            N,        Y],
  ['PUT /v1/policies/overrides',                     Y,     N,            N,        N],
  ['DELETE /v1/policies/overrides',                  Y,     N,            N,        N],

  ['GET /v1/evidence/public-key',                    Y,     Y,            N,        Y],
  ['GET /v1/evidence/verify',                        Y,     Y,            N,        N],
  ['POST /v1/evidence/checkpoints',                  Y,     Y,            N,        N],
  ['GET /v1/evidence/bundles',                       Y,     Y,            N,        N],
  ['POST /v1/evidence/bundles',                      Y,     Y,            N,        N],
  ['GET /v1/evidence/bundles/{id}',                  Y,     Y,            N,        N],
  ['GET /v1/evidence/bundles/{id}/download',         Y,     Y,            N,        N],
];

/**
 * Routes with an id that another tenant's key may reach without a 404, and why. Everything else
 * with an id answers 404 to another tenant, never 403: existence does not leak.
 */
const CROSS_TENANT_EXCEPTIONS: Readonly<Partial<Record<RouteKey, string>>> = {
  'PUT /v1/models/{modelId}': 'create-or-replace: the id names a model of the caller’s own tenant (checked: the other tenant’s model is untouched)',
};

/** Valid bodies, so that a call reaches the lookup of its object (404 for another tenant) rather than stopping at validation. */
const BODIES: Readonly<Partial<Record<RouteKey, object>>> = {
  'PATCH /v1/tenant': { name: 'Matrix tenant' },
  'POST /v1/keys': { name: 'matrix key', roles: ['viewer'] },
  'POST /v1/ingest-keys': { name: 'matrix ingest key' },
  'POST /v1/alerts/{id}/ack': { comment: 'matrix' },
  'POST /v1/alerts/{id}/assign': { assignee: 'risk@bank.example' },
  'POST /v1/alerts/{id}/comments': { comment: 'matrix' },
  'POST /v1/alerts/{id}/resolve': { comment: 'matrix' },
  'POST /v1/alerts/{id}/reopen': { comment: 'matrix' },
  'POST /v1/alerts/{id}/reports': { reference: 'matrix' },
  'PATCH /v1/silences/{id}': { reason: 'matrix' },
  'PATCH /v1/channels/{id}': { enabled: false },
  'PATCH /v1/routes/{id}': { level: 1 },
  'PUT /v1/models/{modelId}': { name: 'Matrix model', sectors: ['finance'] },
  'PATCH /v1/models/{modelId}': { owner: 'risk@bank.example' },
  'PUT /v1/alerting/settings': { max_escalation_level: 2 },
};

const publicRoutes = MATRIX.filter((r) => r[1] === 'public').map((r) => r[0]);
const keyedRows = MATRIX.filter((r): r is readonly [RouteKey, Cell, Cell, Cell, Cell] => r.length === 5);
const cellOf = (row: readonly [RouteKey, Cell, Cell, Cell, Cell], role: Role): Cell => row[1 + ROLES.indexOf(role)] as Cell;

/**
 * Every route of the running api called with every role's key, with no key, with a bad key and
 * with another tenant's key, against the table above (real PostgreSQL and Redis).
 */
describe('authorization matrix of the api', () => {
  let running: RunningApi;
  let api: INestApplication;
  let http: Server;
  let tenant: TenantFixture;
  let rival: TenantFixture;
  let served: RouteKey[];
  /** The path parameters of tenant's seeded objects, by resource (`/v1/<resource>/...`). */
  const params: Record<string, Record<string, string>> = {};
  const modelId = 'matrix-model';

  /** The seeded object ids for a route, from the resource its path names. */
  const paramsFor = (route: RouteKey): Record<string, string> => params[route.split(' ')[1]?.split('/')[2] ?? ''] ?? {};
  const call = (route: RouteKey, key: string | undefined) => {
    const { method, path } = fillPath(route, paramsFor(route));
    const body = BODIES[route];
    return callRoute(http, method, path, { ...(key !== undefined && { key }), ...(body !== undefined && { body }) });
  };
  /** The seeded objects as their tenant's admin reads them. */
  const seededObjects = async () => {
    const read = async (path: string) => {
      const response = await callRoute(http, 'GET', path, { key: tenant.keys.admin });
      return { status: response.status, body: response.body as unknown };
    };
    const keys = served.includes('GET /v1/keys') ? ((await read('/v1/keys')).body as { items: { key_id: string }[] }).items : [];
    return {
      alert: await read(`/v1/alerts/${params['alerts']?.['id'] ?? ''}`),
      channel: await read(`/v1/channels/${params['channels']?.['id'] ?? ''}`),
      route: await read(`/v1/routes/${params['routes']?.['id'] ?? ''}`),
      silence: await read(`/v1/silences/${params['silences']?.['id'] ?? ''}`),
      model: await read(`/v1/models/${modelId}`),
      victimKey: keys.find((k) => k.key_id === params['keys']?.['keyId']) ?? null,
    };
  };
  const created = async (route: RouteKey, body: object): Promise<string> => {
    const response = await callRoute(http, route.split(' ')[0] ?? '', route.split(' ')[1] ?? '', { key: tenant.keys.admin, body });
    if (response.status !== 201) throw new Error(`seeding with ${route} answered ${response.status}: ${response.text}`);
    return (response.body as { id: string }).id;
  };

  beforeAll(async () => {
    running = await startApiAlone('matrix');
    ({ api, http } = running);
    served = registeredRoutes(api);
    const dataSource = api.get(DataSource);
    tenant = await createTenantFixture(dataSource, uniqueId('matrix'), [{ modelId, sectors: ['finance'] }]);
    rival = await createTenantFixture(dataSource, uniqueId('matrix-rival'));

    const raised = await api.get(AlertWrites).recordFindings(raiseAlertJob(tenant.tenantId, modelId, [findingRecord(g1Fingerprint(tenant.tenantId, modelId), 'high')]));
    const channelId = await created('POST /v1/channels', { name: 'matrix-hook', kind: 'webhook', config: { url: 'https://203.0.113.10/kanshi' }, secret: 'a-webhook-signing-secret' });
    const routeId = await created('POST /v1/routes', { name: 'matrix-route', channel_ids: [channelId] });
    const silenceId = await created('POST /v1/silences', { matchers: { model_ids: ['another-model'] }, reason: 'matrix', ends_at: new Date(Date.now() + 3600_000).toISOString() });
    params['alerts'] = { id: raised.alertId };
    params['channels'] = { id: channelId };
    params['routes'] = { id: routeId };
    params['silences'] = { id: silenceId };
    params['models'] = { modelId };
    if (served.includes('POST /v1/evidence/bundles')) {
      const bundle = await callRoute(http, 'POST', '/v1/evidence/bundles', { key: tenant.keys.admin, body: {} });
      if (bundle.status !== 202) throw new Error(`seeding a bundle answered ${bundle.status}: ${bundle.text}`);
      params['evidence'] = { id: (bundle.body as { id: string }).id };
    }
    params['ingest-keys'] = { keyId: ingestKeyId(tenant.ingestKey) };
    if (served.includes('POST /v1/keys')) {
      // A key of its own to revoke, so that revoking leaves the four role keys working.
      const key = await callRoute(http, 'POST', '/v1/keys', { key: tenant.keys.admin, body: { name: 'matrix victim', roles: ['viewer'] } });
      if (key.status !== 201) throw new Error(`seeding a key answered ${key.status}: ${key.text}`);
      params['keys'] = { keyId: (key.body as { key_id: string }).key_id };
    } else {
      params['keys'] = { keyId: '0123456789ab' };
    }
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('classifies every route the api serves, and serves every route it classifies', () => {
    const classified = MATRIX.map((r) => r[0]);
    expect(new Set(classified).size).toBe(classified.length);
    expect({
      // A new endpoint ships classified: add it to MATRIX with the roles it allows.
      servedButNotInMatrix: served.filter((r) => !classified.includes(r)),
      inMatrixButNotServed: classified.filter((r) => !served.includes(r)),
    }).toEqual({ servedButNotInMatrix: [], inMatrixButNotServed: [] });
  });

  // Before the role calls, which change and delete the seeded objects.
  it('answers 404, never 403, to another tenant’s key on every route with an id, and changes nothing', async () => {
    const before = await seededObjects();
    const failures: string[] = [];
    const withId = keyedRows.filter((r) => r[0].includes('{') && served.includes(r[0]));
    // The exceptions last: a create-or-replace makes the other tenant an object of the same id.
    const ordered = [...withId.filter((r) => !CROSS_TENANT_EXCEPTIONS[r[0]]), ...withId.filter((r) => CROSS_TENANT_EXCEPTIONS[r[0]])];
    for (const row of ordered) {
      const route = row[0];
      const role = ROLES.find((r) => cellOf(row, r) !== N);
      if (!role) continue;
      const response = await call(route, rival.keys[role]);
      const exception = CROSS_TENANT_EXCEPTIONS[route];
      if (exception) {
        if (response.status === 403 || response.status === 401) failures.push(`${route} as the other tenant's ${role}: ${response.status}`);
      } else if (response.status !== 404) {
        failures.push(`${route} as the other tenant's ${role}: ${response.status}, expected 404 (${response.text.slice(0, 200)})`);
      }
    }
    expect(failures).toEqual([]);

    // Still there, as they were, for their own tenant.
    expect(await seededObjects()).toEqual(before);
  });

  it('answers 401 to a call without a key or with an unknown key, on every route but the public ones', async () => {
    const unknownKey = `kanshi_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    const failures: string[] = [];
    for (const [route] of keyedRows.filter((r) => served.includes(r[0]))) {
      for (const [what, key] of [['no key', undefined], ['an unknown key', unknownKey]] as const) {
        const response = await call(route, key);
        if (response.status !== 401) failures.push(`${route} with ${what}: ${response.status}`);
      }
    }
    for (const route of publicRoutes.filter((r) => served.includes(r))) {
      const response = await call(route, undefined);
      if ([401, 403].includes(response.status)) failures.push(`${route} is public, answered ${response.status} without a key`);
    }
    expect(failures).toEqual([]);
  });

  it('lets each role do what the table allows and refuses the rest with 403', async () => {
    const failures: string[] = [];
    for (const row of keyedRows.filter((r) => served.includes(r[0]))) {
      for (const role of ROLES) {
        const expected = cellOf(row, role);
        const response = await call(row[0], tenant.keys[role]);
        const refused = response.status === 403;
        if (expected === N && !refused) failures.push(`${row[0]} as ${role}: ${response.status}, expected 403`);
        if (expected !== N && (refused || response.status === 401)) {
          failures.push(`${row[0]} as ${role}: ${response.status}, expected to be allowed (${response.text.slice(0, 200)})`);
        }
        if (response.status >= 500 || response.status === 429) failures.push(`${row[0]} as ${role}: ${response.status} (${response.text.slice(0, 200)})`);
      }
    }
    expect(failures).toEqual([]);
  });
});
