export { IngestModule } from './ingest.module';
export { TelemetryIntakeService, type EventFate, type IntakeResult } from './telemetry-intake.service';
export { ingestGatewayOpenApi, telemetryIntakeSchemas } from './telemetry-openapi';
