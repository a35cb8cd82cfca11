export { createLogger, KANSHI_VERSION, runMain, startHttpApp, type HttpAppOptions } from './bootstrap';
export {
  ApiProblemResponse,
  buildOpenApiDocument,
  OPENAPI_PATHS,
  PROBLEM_DETAILS_SCHEMA,
  schemaRef,
  serveOpenApi,
  type JsonSchemaObject,
  type OpenApiOptions,
} from './openapi';
export { HEALTH_CHECKS, HealthController, HealthModule, type HealthCheck } from './health';
export { ProblemDetailsFilter, type ProblemDetails } from './problem-details.filter';
export { requestValidator, type FieldError } from './request-validation';
