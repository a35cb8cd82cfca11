import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { PolicyOverrideRepository } from '@kanshi/persistence';
import { SectorModuleRegistry } from '@kanshi/policy-core';
import { ApiProblemResponse, ApiQueryParams, openApiSchema, schemaRef } from '@kanshi/runtime';
import { overrideBody, overrideQuery, parseOverride, parseOverrideKey, toOverrideView, toRuleView } from './policy.dto';

/**
 * The tenant's policy configuration: overrides of rule arguments and enablement at tenant,
 * sector or model scope. The engine picks them up at its next inventory refresh.
 */
@ApiTags('policies')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/policies')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class PoliciesController {
  constructor(
    private readonly overrides: PolicyOverrideRepository,
    private readonly registry: SectorModuleRegistry,
  ) {}

  @Get('rules')
  @ApiOperation({ summary: 'Every rule the engine runs: module, sectors, default severity, default arguments and their schema.' })
  @ApiResponse({ status: 200, description: 'The rules.', schema: schemaRef('RuleList') })
  rules() {
    return { items: this.registry.rules.map(toRuleView) };
  }

  @Get('overrides')
  @ApiOperation({ summary: 'The tenant’s overrides.' })
  @ApiResponse({ status: 200, description: 'The overrides.', schema: schemaRef('PolicyOverrideList') })
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: (await this.overrides.list(principal.tenantId)).map(toOverrideView) };
  }

  @Put('overrides')
  @RequireRoles('admin')
  @ApiOperation({
    summary:
      'Create or replace one override: `{scope: tenant|sector|model, target, rule_id, enabled?, args?}`. `args` are checked against the rule’s schema merged over its defaults.',
  })
  @ApiBody({ required: true, schema: openApiSchema(overrideBody.schema) })
  @ApiResponse({ status: 200, description: 'The override as stored.', schema: schemaRef('PolicyOverride') })
  @ApiProblemResponse(400, 'Unknown rule, bad scope or target, or an argument the rule’s schema refuses (rule and argument named).', schemaRef('ValidationProblem'))
  async put(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const { key, setting } = parseOverride(principal.tenantId, body, this.registry);
    return toOverrideView(await this.overrides.put(key, setting));
  }

  @Delete('overrides')
  @HttpCode(204)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Remove one override: `?scope=&target=&rule_id=`.' })
  @ApiQueryParams(overrideQuery.schema)
  @ApiResponse({ status: 204, description: 'Removed.' })
  @ApiProblemResponse(400, 'Unknown rule, bad scope or target.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such override.')
  async remove(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<void> {
    if (!(await this.overrides.remove(parseOverrideKey(principal.tenantId, query, this.registry)))) throw new NotFoundException('No such override.');
  }
}
