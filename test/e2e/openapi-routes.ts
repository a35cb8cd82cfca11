import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request, { type Response, type Test } from 'supertest';
import { Redis } from 'ioredis';
import { loadConfig } from '@kanshi/config';
import { OPENAPI_PATHS } from '@kanshi/runtime';
import { uniqueId } from '@kanshi/testing';
import { startApi } from '../../apps/api/src/main';

/** Served to operators and orchestrators, outside `/v1` but part of the documented API. */
export const OPERATIONS_PATHS: readonly string[] = ['/health', '/health/ready', '/health/live', '/metrics'];

/** A route as `METHOD /path`, path parameters written OpenAPI's way: `GET /v1/alerts/{id}`. */
export type RouteKey = `${string} /${string}`;

export interface OpenApiOperation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly required?: boolean; readonly schema?: unknown }[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema?: unknown }> };
  readonly responses: Record<string, { readonly description?: string; readonly content?: Record<string, { readonly schema?: unknown }> }>;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components?: { readonly schemas?: Record<string, unknown>; readonly securitySchemes?: Record<string, unknown> };
}

interface ExpressLayer {
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean | undefined>; readonly stack: readonly { readonly handle: { readonly name: string } }[] };
}

/**
 * Nest mounts a module's middleware (`forRoutes('*path')`) as a route of every method whose
 * handlers it names `handler`; controller routes get anonymous handlers. Should Nest rename it,
 * the middleware shows up as undocumented routes and the tests fail: they never pass silently.
 */
function isNestMiddleware(layer: ExpressLayer): boolean {
  return layer.route !== undefined && layer.route.stack.length > 0 && layer.route.stack.every((s) => s.handle.name === 'handler');
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `/v1/alerts/:id` → `/v1/alerts/{id}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Served outside the API contract: the document and the docs themselves, and the dashboard's
 * static pages (every GET outside `/v1` but the probes and metrics: the API is versioned under `/v1`).
 */
export function isDocsOrDashboard(route: RouteKey): boolean {
  const [method, path = ''] = route.split(' ');
  if (path === OPENAPI_PATHS.document || path === OPENAPI_PATHS.docs || path.startsWith(`${OPENAPI_PATHS.docs}/`)) return true;
  return method === 'GET' && !path.startsWith('/v1/') && !OPERATIONS_PATHS.includes(path);
}

/**
 * Every route Express actually serves for the app, as Nest registered it (controller prefix
 * included), without the docs' and the dashboard's. Read from the router rather than from Nest's
 * metadata so that a route registered any other way is seen too.
 */
export function registeredRoutes(app: INestApplication): RouteKey[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: readonly ExpressLayer[] } };
  const routes = express.router.stack.flatMap((layer): RouteKey[] => {
    const route = layer.route;
    if (!route || isNestMiddleware(layer)) return [];
    if (typeof route.path !== 'string') throw new Error(`a route with a non-string path (${String(route.path)}): teach registeredRoutes to read it`);
    const path = route.path;
    return Object.entries(route.methods)
      .filter(([, on]) => on === true)
      .map(([method]): RouteKey => `${method === '_all' ? 'ALL' : method.toUpperCase()} ${toOpenApiPath(path)}` as RouteKey);
  });
  return [...new Set(routes)].filter((r) => !isDocsOrDashboard(r)).sort();
}

/** The (method, path) pairs the document describes. */
export function documentedRoutes(document: OpenApiDocument): RouteKey[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => (HTTP_METHODS as readonly string[]).includes(k)).map((m): RouteKey => `${m.toUpperCase()} ${path}` as RouteKey))
    .filter((r) => !isDocsOrDashboard(r))
    .sort();
}

/** The value a JSON pointer (`/a/b`) points to inside `root`, or undefined. */
function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

interface FoundRef {
  readonly ref: string;
  readonly at: string;
  /** The schema resource the ref is resolved against: the nearest enclosing schema with an `$id`, else the document. */
  readonly base: unknown;
}

function refsIn(node: unknown, at: string, base: unknown, ids: Map<string, unknown>, found: FoundRef[] = []): FoundRef[] {
  if (Array.isArray(node)) node.forEach((item, i) => refsIn(item, `${at}/${i}`, base, ids, found));
  else if (typeof node === 'object' && node !== null) {
    const id = (node as Record<string, unknown>)['$id'];
    // An embedded JSON Schema with `$id` is a resource of its own: `#/$defs/x` inside it means its own $defs (JSON Schema 2020-12, which OpenAPI 3.1 follows).
    const resource = typeof id === 'string' ? node : base;
    if (typeof id === 'string') ids.set(id.split('#')[0] ?? id, node);
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push({ ref: value, at, base: resource });
      else refsIn(value, `${at}/${key}`, resource, ids, found);
    }
  }
  return found;
}

/** Whether a `$ref` resolves: `#<pointer>` in its resource, or `<$id of a resource in the document>#<pointer>`. */
function refResolves(ref: FoundRef, ids: ReadonlyMap<string, unknown>): boolean {
  const hash = ref.ref.indexOf('#');
  const uri = hash < 0 ? ref.ref : ref.ref.slice(0, hash);
  const fragment = hash < 0 ? '' : decodeURIComponent(ref.ref.slice(hash + 1));
  const root = uri === '' ? ref.base : ids.get(uri);
  return root !== undefined && resolvePointer(root, fragment) !== undefined;
}

/** `${base}#/$defs/<name>` instead of `#/components/schemas/<name>`, so ajv resolves the document's refs. */
const SCHEMA_BASE = 'https://openapi.kanshi.test/components';

/** An ajv that knows the document's component schemas; compiling them checks each against JSON Schema 2020-12. */
export function schemaValidator(document: OpenApiDocument) {
  const rewrite = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', `${SCHEMA_BASE}#/$defs/`));
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_BASE, $defs: rewrite(document.components?.schemas ?? {}) });
  return {
    /** Errors of `value` against `schema` (a schema of the document, refs and all); empty when valid. */
    check(schema: unknown, value: unknown): string[] {
      const validate = ajv.compile(rewrite(schema) as object);
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
    },
    /** Compiles every component schema; the names of those that are not valid JSON Schema, with why. */
    invalidComponents(): string[] {
      return Object.keys(document.components?.schemas ?? {}).flatMap((name) => {
        try {
          ajv.compile({ $ref: `${SCHEMA_BASE}#/$defs/${name}` });
          return [];
        } catch (error) {
          return [`${name}: ${error instanceof Error ? error.message : String(error)}`];
        }
      });
    },
  };
}

/**
 * What makes the document not a well-formed OpenAPI 3.1 document, as messages (empty when none):
 * the version, every operation with answers that each have a description, path parameters and
 * security schemes declared, operation ids unique, every `$ref` resolving, component schemas
 * valid JSON Schema 2020-12.
 */
export function openApiProblems(document: OpenApiDocument): string[] {
  const problems: string[] = [];
  if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.1.')) problems.push(`openapi is ${String(document.openapi)}, not 3.1.x`);
  if (!document.info?.title || !document.info?.version) problems.push('info.title and info.version are required');
  const operationIds = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
    for (const method of Object.keys(item).filter((k) => (HTTP_METHODS as readonly string[]).includes(k))) {
      const op = item[method]!;
      const where = `${method.toUpperCase()} ${path}`;
      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) problems.push(`${where} has no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where} answers ${status}, not a status code`);
        if (typeof response.description !== 'string') problems.push(`${where} ${status} has no description`);
      }
      for (const name of templated) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === name && p.required === true)) problems.push(`${where} does not declare its path parameter ${name}`);
      }
      for (const requirement of op.security ?? []) {
        for (const scheme of Object.keys(requirement)) {
          if (!document.components?.securitySchemes?.[scheme]) problems.push(`${where} needs security scheme ${scheme}, which components.securitySchemes lacks`);
        }
      }
      if (op.operationId !== undefined) {
        const other = operationIds.get(op.operationId);
        if (other) problems.push(`operationId ${op.operationId} of ${where} is also ${other}'s`);
        operationIds.set(op.operationId, where);
      }
    }
  }
  const ids = new Map<string, unknown>();
  const refs = refsIn(document, '#', document, ids);
  for (const ref of refs) {
    if (!refResolves(ref, ids)) problems.push(`$ref ${ref.ref} at ${ref.at} does not resolve`);
  }
  problems.push(...schemaValidator(document).invalidComponents().map((p) => `component schema ${p}`));
  return problems;
}

/** The operation of the document that serves `method path` (a concrete path, ids filled in). */
export function operationFor(document: OpenApiDocument, method: string, path: string): { template: string; operation: OpenApiOperation } | undefined {
  const bare = path.split('?')[0] ?? path;
  // Fixed segments before parameters, as a router would match `/v1/models/rules` before `/v1/models/{id}`.
  const templates = Object.entries(document.paths).sort(([a], [b]) => a.split('{').length - b.split('{').length);
  for (const [template, item] of templates) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (operation && pattern.test(bare)) return { template, operation };
  }
  return undefined;
}

/** `GET /v1/alerts/{id}` with `{id}` replaced by `params.id`; throws for a parameter it has no value for. */
export function fillPath(route: RouteKey, params: Readonly<Record<string, string>>): { method: string; path: string } {
  const [method = '', template = ''] = route.split(' ');
  const path = template.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} of ${route}`);
    return encodeURIComponent(value);
  });
  return { method, path };
}

/** Calls `method path` on the app's server, with the key as a bearer token and a JSON body (not for GET and DELETE). */
export async function callRoute(http: Server, method: string, path: string, options: { readonly key?: string; readonly body?: object } = {}): Promise<Response> {
  const agent = request(http);
  let test: Test;
  switch (method) {
    case 'GET':
      test = agent.get(path);
      break;
    case 'POST':
      test = agent.post(path);
      break;
    case 'PUT':
      test = agent.put(path);
      break;
    case 'PATCH':
      test = agent.patch(path);
      break;
    case 'DELETE':
      test = agent.delete(path);
      break;
    default:
      throw new Error(`callRoute does not know method ${method}`);
  }
  if (options.key !== undefined) test = test.set('Authorization', `Bearer ${options.key}`);
  if (options.body !== undefined && method !== 'GET' && method !== 'DELETE') test = test.send(options.body);
  return test;
}

export interface RunningApi {
  readonly api: INestApplication;
  readonly http: Server;
  stop(): Promise<void>;
}

/** The api alone on a free port, with a queue (and rate-limit) prefix of its own that `stop` clears from Redis. */
export async function startApiAlone(name: string): Promise<RunningApi> {
  // Far above what a test sends: these tests call every route many times with one key.
  const config = loadConfig({ ...process.env, KANSHI_API_PORT: '0', KANSHI_QUEUE_PREFIX: `kanshi-test-${uniqueId(name)}`, KANSHI_RATE_LIMIT_PER_MINUTE: '1000000' });
  const api = await startApi(config);
  return {
    api,
    http: api.getHttpServer() as Server,
    async stop() {
      await api.close();
      // Alert changes schedule follow-up jobs that no worker runs here, and keys leave rate-limit
      // counters; leave Redis as it was.
      const redis = new Redis(config.values.redisUrl);
      const keys = await redis.keys(`${config.values.queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
