import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AlertingSettingsRepository } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef } from '@kanshi/runtime';
import { ALERTING_SETTINGS_PATCH_SCHEMA, alertingSettingsProblems, DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings, type AlertingSettings } from '@kanshi/alerting-core';
import { actorOf } from './alerts.controller';
import { invalidRequest } from './channels.controller';

const settingsBody = requestValidator(ALERTING_SETTINGS_PATCH_SCHEMA);

/** The tenant's alerting settings: group wait, repeat interval and ack SLA per severity, escalation depth, reminders. */
@ApiTags('alerting settings')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/alerting/settings')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class AlertingSettingsController {
  constructor(private readonly settings: AlertingSettingsRepository) {}

  @Get()
  @ApiOperation({ summary: 'The settings in force: the tenant’s changes over Kanshi’s defaults.' })
  @ApiResponse({ status: 200, description: 'The settings in force.', schema: schemaRef('AlertingSettings') })
  async get(@CurrentPrincipal() principal: Principal): Promise<AlertingSettings> {
    return this.effective(principal.tenantId);
  }

  @Put()
  @RequireRoles('admin')
  @ApiOperation({
    summary: 'Change any part of the settings (e.g. `{"severities": {"high": {"group_wait": "1m"}}}`); what is left out stays as it is. Answers the settings in force.',
  })
  @ApiBody({ required: true, schema: openApiSchema(settingsBody.schema) })
  @ApiResponse({ status: 200, description: 'The settings in force after the change.', schema: schemaRef('AlertingSettings') })
  @ApiProblemResponse(400, 'A bad field, named; a duration outside its limits names its minimum or maximum.', schemaRef('ValidationProblem'))
  async put(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<AlertingSettings> {
    const patch = settingsBody.parse(body);
    const problems = alertingSettingsProblems(patch);
    if (problems.length > 0) throw invalidRequest(...problems);
    const next = mergeAlertingSettings(await this.effective(principal.tenantId), patch);
    // Stored whole: a later change of Kanshi's defaults does not move what this tenant chose.
    await this.settings.put(principal.tenantId, next, actorOf(principal).actor);
    return next;
  }

  private async effective(tenantId: string): Promise<AlertingSettings> {
    return mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, await this.settings.get(tenantId));
  }
}
