import { BadRequestException, Controller, Get, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AlertRepository, InvalidCursorError, ModelRepository, PolicyOverrideRepository, type ModelEntity } from '@kanshi/persistence';
import { applicableRules, effectiveRuleConfig, SectorModuleRegistry, type RuleOverride } from '@kanshi/policy-core';
import { ApiProblemResponse, ApiQueryParams, schemaRef } from '@kanshi/runtime';
import { listModelsQuery } from './model.dto';
import { modelPosture, type PostureRule } from './posture';

/** Each model's posture: open alerts by severity and rule, last telemetry seen, rules passing. */
@ApiTags('models')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class PostureController {
  constructor(
    private readonly models: ModelRepository,
    private readonly alerts: AlertRepository,
    private readonly overrides: PolicyOverrideRepository,
    private readonly registry: SectorModuleRegistry,
  ) {}

  @Get('posture')
  @ApiOperation({ summary: 'The posture of the tenant’s models, a page at a time (`limit`, `cursor`, `include_retired`), with totals by sector.' })
  @ApiQueryParams(listModelsQuery.schema)
  @ApiResponse({ status: 200, description: 'One page of model postures: `{items, by_sector, next_cursor}`.' })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  async all(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const q = listModelsQuery.parse(query);
    const page = await this.models
      .list(principal.tenantId, { limit: q.limit, cursor: q.cursor, includeRetired: q.include_retired })
      .catch((error: unknown) => {
        if (error instanceof InvalidCursorError) throw new BadRequestException({ message: `cursor: ${error.message}`, errors: [{ field: 'cursor', message: error.message }] });
        throw error;
      });
    const [counts, overrides, notJudged] = await Promise.all([
      this.alerts.openCounts(principal.tenantId),
      this.overridesOf(principal.tenantId),
      this.models.insufficientVerdicts(principal.tenantId, page.items.map((m) => m.modelId)),
    ]);
    const items = page.items.map((m) => modelPosture(m, counts, this.rulesOf(m, overrides), notJudged));
    const sectors = new Map<string, { sector: string; models: number; open_alerts: number; failing_models: number }>();
    for (const item of items) {
      for (const sector of item.sectors.length > 0 ? item.sectors : ['(none)']) {
        const s = sectors.get(sector) ?? { sector, models: 0, open_alerts: 0, failing_models: 0 };
        s.models += 1;
        s.open_alerts += item.open_alerts.total;
        if (item.rules.failing.length > 0) s.failing_models += 1;
        sectors.set(sector, s);
      }
    }
    return { items, by_sector: [...sectors.values()].sort((a, b) => a.sector.localeCompare(b.sector)), next_cursor: page.nextCursor };
  }

  @Get('models/:modelId/posture')
  @ApiOperation({
    summary: 'One model’s posture: open alerts by severity and rule, last telemetry seen, the rules passing, failing, switched off, and not judged for want of data (`insufficient_data`).',
  })
  @ApiResponse({ status: 200, description: 'The model’s posture.' })
  @ApiProblemResponse(404, 'No such model in the caller’s tenant.')
  async one(@CurrentPrincipal() principal: Principal, @Param('modelId') modelId: string) {
    const model = await this.models.find(principal.tenantId, modelId);
    if (!model) throw new NotFoundException(`No model ${modelId}.`);
    const [counts, overrides, notJudged] = await Promise.all([
      this.alerts.openCounts(principal.tenantId, modelId),
      this.overridesOf(principal.tenantId),
      this.models.insufficientVerdicts(principal.tenantId, [modelId]),
    ]);
    return modelPosture(model, counts, this.rulesOf(model, overrides), notJudged);
  }

  private async overridesOf(tenantId: string): Promise<RuleOverride[]> {
    return (await this.overrides.list(tenantId)).map(({ tenantId: t, scope, target, ruleId, enabled, args }) => ({ tenantId: t, scope, target, ruleId, enabled, args }));
  }

  /** The rules that apply to the model, each enabled or not as configured (a retired model gets the general rules). */
  private rulesOf(model: ModelEntity, overrides: readonly RuleOverride[]): PostureRule[] {
    const sectors = model.retiredAt ? [] : model.sectors;
    return applicableRules(this.registry.rules, sectors).map((rule) => ({
      ruleId: rule.rule.id,
      title: rule.rule.title,
      enabled: effectiveRuleConfig(rule, overrides, model.modelId, sectors).enabled,
    }));
  }
}
