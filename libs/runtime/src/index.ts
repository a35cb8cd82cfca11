export { runMain, startHttpApp, type HttpAppOptions } from './bootstrap';
export { KANSHI_VERSION } from './version';
export { SpanKind, TRACEPARENT, Tracing, TracingModule, type SpanOptions } from './tracing';
export { createLogger, KanshiLogger, logEntry, type LogEntry, type LogFields } from './logger';
export { limitHeapGrowth } from './heap-growth';
export {
  ApiProblemResponse,
  ApiQueryParams,
  buildOpenApiDocument,
  OPENAPI_PATHS,
  openApiSchema,
  PROBLEM_DETAILS_SCHEMA,
  schemaRef,
  VALIDATION_PROBLEM_SCHEMA,
  serveOpenApi,
  type JsonSchemaObject,
  type OpenApiOptions,
} from './openapi';
export { exceedsJsonDepth, jsonDepthLimit, MAX_JSON_DEPTH, tooDeepProblem } from './json-depth';
export { HEALTH_CHECKS, HealthController, HealthModule, HealthProbe, LIVE_REPORT, type HealthCheck, type HealthReport } from './health';
export {
  ABORTED,
  httpMetrics,
  MetricsController,
  MetricsModule,
  OpsServerHost,
  OpsServerModule,
  startOpsServer,
  UNMATCHED_ROUTE,
  type OpsServer,
  type OpsServerOptions,
} from './metrics';
export { ProblemDetailsFilter, type ProblemDetails } from './problem-details.filter';
export { requestValidator, type FieldError } from './request-validation';
export { OutageLog, type OutageLogger } from './outage-log';
export { Batcher, type BatcherOptions } from './batcher';
export { LogDigest, type DigestWriter } from './log-digest';
