import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { InvalidCursorError, ModelRepository, PolicyOverrideRepository } from '@kanshi/persistence';
import { applicableRules, effectiveRuleConfig, SectorModuleRegistry, type RuleOverride } from '@kanshi/policy-core';
import { ApiProblemResponse } from '@kanshi/runtime';
import { applyModelPatch, listModelsQuery, modelIdValidator, parseModelBody, toModelView } from './model.dto';
import { toEffectiveRuleView } from './policy.dto';

/**
 * The model inventory of the caller's tenant. Retiring keeps the row: the engine then treats the
 * model as not in the inventory (G1 fires if it still sends telemetry). Another tenant's models
 * do not exist for the caller (404).
 */
@ApiTags('models')
@ApiBearerAuth('api-key')
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
  @ApiProblemResponse(400, 'A bad query parameter, named.')
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
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async get(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string) {
    return toModelView(await this.existing(principal.tenantId, modelId));
  }

  @Put(':modelId')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Create or replace a model (a retired model is reinstated). `deployed_*` are read-only, set by `model_deployment` telemetry.' })
  @ApiResponse({ status: 200, description: 'Replaced.' })
  @ApiResponse({ status: 201, description: 'Created.' })
  @ApiProblemResponse(400, 'A bad field, named.')
  async put(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    modelIdValidator.parse({ model_id: modelId });
    const { created, model } = await this.models.replace(principal.tenantId, modelId, parseModelBody(body), { reinstate: true });
    response.status(created ? 201 : 200);
    return toModelView(model);
  }

  @Patch(':modelId')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Change some fields of a model; the others stay as they are.' })
  @ApiProblemResponse(400, 'A bad field, named.')
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async patch(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string, @Body() body: unknown) {
    const current = await this.existing(principal.tenantId, modelId);
    const { model } = await this.models.replace(principal.tenantId, modelId, applyModelPatch(current, body), { reinstate: false });
    return toModelView(model);
  }

  @Delete(':modelId')
  @HttpCode(204)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Retire a model: the row stays (`status: retired`), the engine treats the model as not in the inventory.' })
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async retire(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string): Promise<void> {
    if (!(await this.models.retire(principal.tenantId, modelId))) throw new NotFoundException(`No model ${modelId}.`);
  }

  @Get(':modelId/policy')
  @ApiOperation({
    summary: 'The configuration in force of every rule that applies to the model: enabled, arguments, and where each came from (model > sector > tenant > default).',
  })
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
    // A retired model is judged as one outside the inventory: no sectors, so the general rules only.
    const sectors = model.retiredAt ? [] : model.sectors;
    return {
      model_id: model.modelId,
      in_inventory: model.retiredAt === null,
      sectors,
      rules: applicableRules(this.registry.rules, sectors).map((rule) => toEffectiveRuleView(effectiveRuleConfig(rule, overrides, model.modelId, sectors), rule)),
    };
  }

  private async existing(tenantId: string, modelId: string) {
    const model = await this.models.find(tenantId, modelId);
    if (!model) throw new NotFoundException(`No model ${modelId}.`);
    return model;
  }
}
