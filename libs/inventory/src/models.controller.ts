import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { Response } from 'express';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { InvalidCursorError, ModelRepository, PolicyOverrideRepository } from '@kanshi/persistence';
import { modelRulesInForce, SectorModuleRegistry, type RuleOverride } from '@kanshi/policy-core';
import { ApiProblemResponse, ApiQueryParams, openApiSchema, schemaRef } from '@kanshi/runtime';
import { applyModelPatch, listModelsQuery, ModelBody, modelIdValidator, parseModelBody, toModelView } from './model.dto';
import { toEffectiveRuleView } from './policy.dto';

/**
 * The model inventory of the caller's tenant. Retiring keeps the row: the engine then treats the
 * model as not in the inventory (G1 fires if it still sends telemetry). Another tenant's models
 * do not exist for the caller (404).
 */
@ApiTags('models')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/models')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class ModelsController {
  constructor(
    private readonly models: ModelRepository,
    private readonly overrides: PolicyOverrideRepository,
    private readonly registry: SectorModuleRegistry,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the tenant’s models by id (`limit`, `cursor`, `include_retired`).' })
  @ApiQueryParams(listModelsQuery.schema)
  @ApiResponse({ status: 200, description: 'One page of models.', schema: schemaRef('ModelPage') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const q = listModelsQuery.parse(query);
    try {
      const page = await this.models.list(principal.tenantId, { limit: q.limit, cursor: q.cursor, includeRetired: q.include_retired });
      return { items: page.items.map(toModelView), next_cursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException({ message: `cursor: ${error.message}`, errors: [{ field: 'cursor', message: error.message }] });
      throw error;
    }
  }

  @Get(':modelId')
  @ApiOperation({ summary: 'One model, retired or not.' })
  @ApiResponse({ status: 200, description: 'The model.', schema: schemaRef('Model') })
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async get(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string) {
    return toModelView(await this.existing(principal.tenantId, modelId));
  }

  @Put(':modelId')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Create or replace a model (a retired model is reinstated). `deployed_*` are read-only, set by `model_deployment` telemetry.' })
  @ApiBody({ required: true, schema: openApiSchema(ModelBody) })
  @ApiResponse({ status: 200, description: 'Replaced.', schema: schemaRef('Model') })
  @ApiResponse({ status: 201, description: 'Created.', schema: schemaRef('Model') })
  @ApiProblemResponse(400, 'A bad field, named (`model_id` for a bad id in the path).', schemaRef('ValidationProblem'))
  async put(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    modelIdValidator.parse({ model_id: modelId });
    const { created, model } = await this.models.replace(principal.tenantId, modelId, parseModelBody(body), { reinstate: true });
    response.status(created ? 201 : 200);
    return toModelView(model);
  }

  @Patch(':modelId')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Change some fields of a model; the others stay as they are.' })
  // Merged over the model as it is, then checked whole like a PUT.
  @ApiBody({ required: true, schema: openApiSchema(Type.Partial(ModelBody)) })
  @ApiResponse({ status: 200, description: 'The model as it is now.', schema: schemaRef('Model') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async patch(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string, @Body() body: unknown) {
    const current = await this.existing(principal.tenantId, modelId);
    const { model } = await this.models.replace(principal.tenantId, modelId, applyModelPatch(current, body), { reinstate: false });
    return toModelView(model);
  }

  @Delete(':modelId')
  @HttpCode(204)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Retire a model: the row stays (`status: retired`), the engine treats the model as not in the inventory.' })
  @ApiResponse({ status: 204, description: 'Retired.' })
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async retire(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string): Promise<void> {
    if (!(await this.models.retire(principal.tenantId, modelId))) throw new NotFoundException(`No model ${modelId}.`);
  }

  @Get(':modelId/policy')
  @ApiOperation({
    summary: 'The configuration in force of every rule that applies to the model: enabled, arguments, and where each came from (model > sector > tenant > default).',
  })
  @ApiResponse({ status: 200, description: 'The rules that apply and their configuration in force.', schema: schemaRef('ModelPolicy') })
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async policy(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string) {
    const model = await this.existing(principal.tenantId, modelId);
    const overrides: RuleOverride[] = (await this.overrides.list(principal.tenantId)).map(({ tenantId, scope, target, ruleId, enabled, args }) => ({
      tenantId,
      scope,
      target,
      ruleId,
      enabled,
      args,
    }));
    return {
      model_id: model.modelId,
      in_inventory: model.retiredAt === null,
      sectors: model.retiredAt ? [] : model.sectors,
      rules: modelRulesInForce(this.registry.rules, model, overrides).map(({ rule, config }) => toEffectiveRuleView(config, rule)),
    };
  }

  private async existing(tenantId: string, modelId: string) {
    const model = await this.models.find(tenantId, modelId);
    if (!model) throw new NotFoundException(`No model ${modelId}.`);
    return model;
  }
}
