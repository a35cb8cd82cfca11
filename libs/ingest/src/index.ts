export { IngestModule } from './ingest.module';
export { ANSWER_LIMITS, answerBytesBound } from './intake-answer';
export { TelemetryIntakeService, type EventFate, type IntakeResult } from './telemetry-intake.service';
export { ingestGatewayOpenApi, telemetryIntakeSchemas } from './telemetry-openapi';
