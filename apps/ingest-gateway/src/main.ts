import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { runMain, startHttpApp } from '@kanshi/runtime';
import { ingestGatewayOpenApi } from '@kanshi/ingest';
import { IngestGatewayModule } from './ingest-gateway.module';

export async function startIngestGateway(config: AppConfig = loadConfig()): Promise<INestApplication> {
  return startHttpApp(IngestGatewayModule.forRoot(config), {
    name: 'ingest-gateway',
    port: config.values.gatewayPort,
    config,
    bodyLimitBytes: config.values.gatewayBodyLimitBytes,
    // Nesting is judged per event (the contract's 32 levels), so one deep event in a batch does
    // not cost the others their fate; the intake never walks an event by recursion.
    maxJsonDepth: false,
    openApi: ingestGatewayOpenApi(),
  });
}

if (require.main === module) runMain('ingest-gateway', startIngestGateway);
