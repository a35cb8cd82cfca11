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
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiProblemResponse, schemaRef } from '@kanshi/runtime';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AppConfig } from '@kanshi/config';
import { TelemetryIntakeService, TelemetryUnavailableError, TenantMismatchError } from './telemetry-intake.service';

/** Seconds a producer should wait before retrying after Kafka was unavailable. */
const RETRY_AFTER_SECONDS = 5;

/** `POST /v1/telemetry`: one event, or `{"events": [...]}`. */
@ApiTags('telemetry')
@ApiBearerAuth('api-key')
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
  @ApiOperation({
    operationId: 'submitTelemetry',
    summary: 'Send telemetry events',
    description:
      'Validates each event against the telemetry contract v1 and writes the valid ones to Kafka (acks=all) before answering. ' +
      'The answer gives every event’s fate, with the first issues of a rejected event and a count of the rest, so its size stays bounded. ' +
      'An event is measured against the size limit first, then checked; objects and arrays nest at most 32 levels inside an event. ' +
      'Retrying a request is safe: events are recognised by `event_id`. ' +
      'Roles: `producer` or `admin`; every event’s `tenant_id` must be the key’s tenant.',
  })
  @ApiConsumes('application/json')
  @ApiBody({ required: true, schema: { oneOf: [schemaRef('TelemetryEvent'), schemaRef('TelemetryBatch')] } })
  @ApiResponse({ status: 202, description: 'At least one event was accepted; each event’s fate is listed.', schema: schemaRef('IntakeResult') })
  @ApiProblemResponse(400, 'Malformed JSON (with its position), an empty or ill-formed batch, or no valid event (with each event’s errors).', schemaRef('IntakeProblem'))
  @ApiProblemResponse(401, 'Missing or unknown API key.')
  @ApiProblemResponse(403, 'The key lacks the `producer` role, or an event names another tenant (nothing is accepted).')
  @ApiProblemResponse(413, 'The body or the batch is larger than the configured limit.')
  @ApiProblemResponse(415, 'The body is not `application/json`.')
  @ApiResponse({
    status: 503,
    description: 'Kafka did not store the events in time. Nothing is acknowledged; retry after `Retry-After` seconds.',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
    content: { 'application/problem+json': { schema: schemaRef('ProblemDetails') } },
  })
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
      const result = await this.intake.submit(principal.tenantId, items, request.header('traceparent'));
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
