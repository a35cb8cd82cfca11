import {
  Body,
  Controller,
  ForbiddenException,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  Req,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
  UseGuards,
  PayloadTooLargeException,
  BadRequestException,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AppConfig } from '@kanshi/config';
import { TelemetryIntakeService, TelemetryUnavailableError, TenantMismatchError } from './telemetry-intake.service';

/** Seconds a producer should wait before retrying after Kafka was unavailable. */
const RETRY_AFTER_SECONDS = 5;

/** `POST /v1/telemetry`: one event, or `{"events": [...]}`. */
@Controller('v1/telemetry')
@UseGuards(ApiKeyGuard)
@RequireRoles('producer', 'admin')
export class TelemetryController {
  constructor(
    private readonly intake: TelemetryIntakeService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(@CurrentPrincipal() principal: Principal, @Req() request: Request, @Body() body: unknown) {
    if (!request.is('application/json') && !request.is('application/*+json')) {
      throw new UnsupportedMediaTypeException('Send telemetry as Content-Type: application/json.');
    }
    const batch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
    const items: unknown = batch ? body.events : [body];
    if (!Array.isArray(items)) throw new BadRequestException('"events" must be an array of telemetry events.');
    if (items.length === 0) throw new BadRequestException('"events" is empty; send at least one event.');
    const max = this.config.values.gatewayMaxBatch;
    if (items.length > max) {
      throw new PayloadTooLargeException(`The batch has ${items.length} events; the limit is ${max}. Split it.`);
    }
    try {
      const result = await this.intake.submit(principal.tenantId, items);
      if (result.accepted === 0) {
        throw new HttpException({ title: 'No event was valid', message: 'Every event was rejected; see results.', ...result }, 400);
      }
      return result;
    } catch (error) {
      if (error instanceof TenantMismatchError) throw new ForbiddenException(`${error.message}. Nothing was accepted.`);
      if (error instanceof TelemetryUnavailableError) {
        request.res?.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}
