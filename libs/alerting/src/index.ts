export { AlertQueue, cappedBackoff, RAISE_ALERT_JOB_OPTIONS } from './alert-queue.service';
export { AlertingModule } from './alerting.module';
export { JobHandler, type JobHandlerOf } from './job-handler.decorator';
export { JobHandlerError, QueueWorkerHost } from './queue-worker.host';
export { assertNoEviction, createRedisConnection, redisHealthCheck } from './redis-connection';
export { AlertsController, toAlertView } from './http/alerts.controller';
