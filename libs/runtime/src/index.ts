export { createLogger, runMain, startHttpApp, type HttpAppOptions } from './bootstrap';
export { HEALTH_CHECKS, HealthController, HealthModule, type HealthCheck } from './health';
export { ProblemDetailsFilter, type ProblemDetails } from './problem-details.filter';
export { requestValidator, type FieldError } from './request-validation';
