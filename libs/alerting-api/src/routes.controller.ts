import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type ArrayOptions, type IntegerOptions, type TOptional, type TSchema } from '@sinclair/typebox';
import { SECTORS, SEVERITIES } from '@kanshi/contracts';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { NameTakenError, RouteRepository, type NotificationRouteEntity, type RouteFields, type RouteWriteResult } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef } from '@kanshi/runtime';
import { actorOf } from './alerts.controller';
import { invalidRequest, nameTaken } from './channels.controller';

/** One of the values; a pattern rather than a union so that the error message lists them. */
export function oneOf(values: readonly string[]) {
  return Type.String({ pattern: `^(${values.join('|')})$`, description: `One of: ${values.join(', ')}.` });
}

/** The matcher lists of routes and silences: an alert matches when it is in every non-empty list. */
export function matcherSchemas(options: ArrayOptions = {}) {
  const list = <T extends TSchema>(item: T, maxItems: number, what: string) => Type.Array(item, { uniqueItems: true, maxItems, description: `Empty: any ${what}.`, ...options });
  return {
    severities: list(oneOf(SEVERITIES), SEVERITIES.length, 'severity'),
    sectors: list(oneOf(SECTORS), SECTORS.length, 'sector'),
    model_ids: list(Type.String({ minLength: 1, maxLength: 128 }), 200, 'model'),
    rule_ids: list(Type.String({ minLength: 1, maxLength: 32 }), 200, 'rule'),
  };
}

/** Every property optional. */
export function optional<P extends Record<string, TSchema>>(properties: P): { [K in keyof P]: TOptional<P[K]> } {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof P]: TOptional<P[K]> };
}

const UUID_STRING = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const NAME = Type.String({ minLength: 1, maxLength: 200 });
const LEVEL = (options: IntegerOptions = {}) =>
  Type.Integer({ minimum: 0, maximum: 10, description: 'Escalation level the route serves: 0 for the first notification, n after the nth escalation.', ...options });
const CHANNEL_IDS = Type.Array(UUID_STRING, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Live channels of the tenant.' });

const createBody = requestValidator(
  Type.Object({ name: NAME, level: LEVEL({ default: 0 }), ...matcherSchemas({ default: [] }), channel_ids: CHANNEL_IDS }, { additionalProperties: false }),
);

const patchBody = requestValidator(
  Type.Object(
    { name: Type.Optional(NAME), level: Type.Optional(LEVEL()), ...optional(matcherSchemas()), channel_ids: Type.Optional(CHANNEL_IDS) },
    { additionalProperties: false },
  ),
);

/** The wire shape of a route. */
export function toRouteView(r: NotificationRouteEntity) {
  return {
    id: r.id,
    name: r.name,
    level: r.level,
    severities: r.severities,
    sectors: r.sectors,
    model_ids: r.modelIds,
    rule_ids: r.ruleIds,
    channel_ids: r.channelIds,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

/**
 * The tenant's routing rules: an alert goes to the channels of every route it matches at its
 * escalation level. Another tenant's routes do not exist for the caller (404).
 */
@ApiTags('notification routes')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/routes')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class RoutesController {
  constructor(private readonly routes: RouteRepository) {}

  @Post()
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Create a route: `{name, level=0, severities=[], sectors=[], model_ids=[], rule_ids=[], channel_ids}` (empty lists match anything).' })
  @ApiBody({ required: true, schema: openApiSchema(createBody.schema) })
  @ApiResponse({ status: 201, description: 'Created.', schema: schemaRef('Route') })
  @ApiProblemResponse(400, 'A bad field, named (`channel_ids.<i>` for a channel the tenant does not have).', schemaRef('ValidationProblem'))
  @ApiProblemResponse(409, 'The tenant has a route of that name.')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = createBody.parse(body);
    const fields: RouteFields = {
      name: input.name,
      level: input.level,
      severities: input.severities,
      sectors: input.sectors,
      modelIds: input.model_ids,
      ruleIds: input.rule_ids,
      channelIds: input.channel_ids,
    };
    return this.saved(() => this.routes.create(principal.tenantId, fields, actorOf(principal).actor), fields.channelIds, '');
  }

  @Get()
  @ApiOperation({ summary: 'The tenant’s routes, by level and name.' })
  @ApiResponse({ status: 200, description: 'The routes.', schema: schemaRef('RouteList') })
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: (await this.routes.list(principal.tenantId)).map(toRouteView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One route.' })
  @ApiResponse({ status: 200, description: 'The route.', schema: schemaRef('Route') })
  @ApiProblemResponse(404, 'No such route in the caller’s tenant.')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const route = await this.routes.get(principal.tenantId, id);
    if (!route) throw new NotFoundException(`No route ${id}.`);
    return toRouteView(route);
  }

  @Patch(':id')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Change any fields of a route; the others stay as they are.' })
  @ApiBody({ required: true, schema: openApiSchema(patchBody.schema) })
  @ApiResponse({ status: 200, description: 'The route as it is now.', schema: schemaRef('Route') })
  @ApiProblemResponse(400, 'A bad field, named (`channel_ids.<i>` for a channel the tenant does not have).', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such route in the caller’s tenant.')
  @ApiProblemResponse(409, 'The tenant has another route of that name.')
  async patch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const input = patchBody.parse(body);
    const changes: Partial<RouteFields> = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.level !== undefined && { level: input.level }),
      ...(input.severities !== undefined && { severities: input.severities }),
      ...(input.sectors !== undefined && { sectors: input.sectors }),
      ...(input.model_ids !== undefined && { modelIds: input.model_ids }),
      ...(input.rule_ids !== undefined && { ruleIds: input.rule_ids }),
      ...(input.channel_ids !== undefined && { channelIds: input.channel_ids }),
    };
    return this.saved(() => this.routes.update(principal.tenantId, id, changes), changes.channelIds ?? [], id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Delete a route for good.' })
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiProblemResponse(404, 'No such route in the caller’s tenant.')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    if (!(await this.routes.remove(principal.tenantId, id))) throw new NotFoundException(`No route ${id}.`);
  }

  private async saved(write: () => Promise<RouteWriteResult>, channelIds: readonly string[], id: string) {
    let result: RouteWriteResult;
    try {
      result = await write();
    } catch (error) {
      if (error instanceof NameTakenError) throw nameTaken(error);
      throw error;
    }
    switch (result.outcome) {
      case 'saved':
        return toRouteView(result.route);
      case 'not-found':
        throw new NotFoundException(`No route ${id}.`);
      case 'bad-channels': {
        const bad = new Set(result.channelIds);
        // Unknown, deleted and another tenant's channels read the same: no hint that an id exists elsewhere.
        throw invalidRequest(
          ...channelIds.flatMap((c, i) => (bad.has(c) ? [{ field: `channel_ids.${i}`, message: `no channel ${c} in this tenant (unknown or deleted)` }] : [])),
        );
      }
    }
  }
}
