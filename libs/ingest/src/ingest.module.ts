import { Module } from '@nestjs/common';
import { AuthModule } from '@kanshi/auth';
import { MessagingModule, REQUEST_PATH_RETRY } from '@kanshi/messaging';
import { SecretsModule } from '@kanshi/secrets';
import { GatewaySigner } from './gateway-signer';
import { TelemetryIntakeService } from './telemetry-intake.service';
import { TelemetryController } from './telemetry.controller';

/** HTTP intake of telemetry for producers that do not speak Kafka. */
@Module({
  imports: [AuthModule, SecretsModule, MessagingModule.forRoot('ingest-gateway', REQUEST_PATH_RETRY)],
  controllers: [TelemetryController],
  providers: [TelemetryIntakeService, GatewaySigner],
  exports: [MessagingModule],
})
export class IngestModule {}
