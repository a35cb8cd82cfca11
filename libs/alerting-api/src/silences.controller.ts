import { BadRequestException, Body, ConflictException, Controller, Delete, Get, NotFoundException, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { AlertMetrics } from '@kanshi/alerting';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import {
  InvalidCursorError,
  SILENCE_STATES,
  SilenceRepository,
  silenceState,
  type SilenceChangeResult,
  type SilenceEntity,
  type SilenceState,
} from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, ApiQueryParams, requestValidator, schemaRef, type FieldError } from '@kanshi/runtime';
import { actorOf } from './alerts.controller';
import { invalidRequest } from './channels.controller';
import { matcherSchemas, optional } from './routes.controller';

/** How far ahead a silence may end: a longer one is a rule to change, not a silence. */
const MAX_SILENCE_DAYS = 90;
const MAX_SILENCE_MS = MAX_SILENCE_DAYS * 24 * 3600 * 1000;
/** The shortest silence: one that ends sooner is what `DELETE` (end now) is for. */
const MIN_SILENCE_MS = 60_000;

const REASON = Type.String({ minLength: 1, maxLength: 2000, description: 'Why: shown in the history of every alert the silence holds.' });
const DATE_TIME = (description: string) => Type.String({ format: 'date-time', description });

const createBody = requestValidator(
  Type.Object(
    {
      matchers: Type.Object(optional(matcherSchemas()), { additionalProperties: false, description: 'At least one non-empty list: a silence of everything is refused.' }),
      reason: REASON,
      starts_at: Type.Optional(DATE_TIME('Default: now.')),
      ends_at: DATE_TIME(`At least 1m after starts_at, after now, at most ${MAX_SILENCE_DAYS} days ahead.`),
    },
    { additionalProperties: false },
  ),
);

const patchBody = requestValidator(
  Type.Object({ ends_at: Type.Optional(DATE_TIME(`After now, at most ${MAX_SILENCE_DAYS} days ahead.`)), reason: Type.Optional(REASON) }, { additionalProperties: false }),
);

const listQuery = requestValidator(
  Type.Object(
    {
      state: Type.Optional(Type.Union([...SILENCE_STATES, 'all' as const].map((s) => Type.Literal(s)), { description: 'Default: active and pending.' })),
      limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
      cursor: Type.Optional(Type.String({ maxLength: 200 })),
    },
    { additionalProperties: false },
  ),
);
const CURRENT: readonly SilenceState[] = ['active', 'pending'];

/** The wire shape of a silence, with its state at `now`. */
export function toSilenceView(s: SilenceEntity, now: Date) {
  return {
    id: s.id,
    matchers: { severities: s.severities, sectors: s.sectors, model_ids: s.modelIds, rule_ids: s.ruleIds },
    reason: s.reason,
    starts_at: s.startsAt.toISOString(),
    ends_at: s.endsAt.toISOString(),
    state: silenceState(s, now),
    created_by: s.createdBy,
    created_by_name: s.createdByName,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

/** Problems with the end of a silence that starts at `startsAt`, judged at `now`. */
function endProblems(endsAt: Date, startsAt: Date, now: Date): FieldError[] {
  if (endsAt.getTime() <= startsAt.getTime()) return [{ field: 'ends_at', message: `must be after starts_at (${startsAt.toISOString()})` }];
  if (endsAt.getTime() - startsAt.getTime() < MIN_SILENCE_MS) return [{ field: 'ends_at', message: `must be at least 1m after starts_at (${startsAt.toISOString()}): a silence lasts at least 1m` }];
  if (endsAt.getTime() <= now.getTime()) return [{ field: 'ends_at', message: 'must be in the future' }];
  if (endsAt.getTime() > now.getTime() + MAX_SILENCE_MS) return [{ field: 'ends_at', message: `must be at most ${MAX_SILENCE_DAYS} days ahead` }];
  return [];
}

/**
 * Silences: alerts matching one are recorded but not notified while it is in force, and show
 * `silenced`. Ending a silence keeps it (state `expired`), as the record of why alerts went
 * unnotified. Another tenant's silences do not exist for the caller (404).
 */
@ApiTags('silences')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/silences')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class SilencesController {
  /** Changes commit with their outbox entry: the alert worker applies the silence to the alerts it matches and schedules its reminder and end. */
  constructor(
    private readonly silences: SilenceRepository,
    private readonly metrics: AlertMetrics,
  ) {}

  @Post()
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({
    summary: `Create a silence: \`{matchers: {severities?, sectors?, model_ids?, rule_ids?}, reason, starts_at?, ends_at}\`. Firing alerts it matches become \`silenced\` at once when it is in force.`,
  })
  @ApiBody({ required: true, schema: openApiSchema(createBody.schema) })
  @ApiResponse({ status: 201, description: 'Created, with its state.', schema: schemaRef('Silence') })
  @ApiProblemResponse(400, 'A bad field, named; `matchers` when every list is empty.', schemaRef('ValidationProblem'))
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = createBody.parse(body);
    const now = new Date();
    const m = input.matchers;
    const matchers = { severities: m.severities ?? [], sectors: m.sectors ?? [], modelIds: m.model_ids ?? [], ruleIds: m.rule_ids ?? [] };
    const problems: FieldError[] = [];
    if (Object.values(matchers).every((list) => list.length === 0)) {
      problems.push({
        field: 'matchers',
        message: 'at least one of severities, sectors, model_ids, rule_ids must be non-empty: a silence of everything is refused, it would hide every alert of the tenant',
      });
    }
    const startsAt = input.starts_at === undefined ? now : new Date(input.starts_at);
    problems.push(...endProblems(new Date(input.ends_at), startsAt, now));
    if (problems.length > 0) throw invalidRequest(...problems);
    const { actor, actorName } = actorOf(principal);
    const { silence, silencedAlertIds } = await this.silences.create(principal.tenantId, {
      ...matchers,
      reason: input.reason,
      startsAt,
      endsAt: new Date(input.ends_at),
      createdBy: actor,
      createdByName: actorName,
    }, now);
    this.metrics.transitioned('silence', silencedAlertIds.length);
    return toSilenceView(silence, now);
  }

  @Get()
  @ApiOperation({ summary: 'The tenant’s silences, newest first: `?state=active|pending|expired|all` (default: active and pending), `limit`, `cursor`.' })
  @ApiQueryParams(listQuery.schema)
  @ApiResponse({ status: 200, description: 'One page of silences.', schema: schemaRef('SilencePage') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const q = listQuery.parse(query);
    const now = new Date();
    const states = q.state === undefined ? CURRENT : q.state === 'all' ? SILENCE_STATES : [q.state];
    try {
      const page = await this.silences.list(principal.tenantId, { states, limit: q.limit, cursor: q.cursor }, now);
      return { items: page.items.map((s) => toSilenceView(s, now)), next_cursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException({ message: `cursor: ${error.message}`, errors: [{ field: 'cursor', message: error.message }] });
      throw error;
    }
  }

  @Get(':id')
  @ApiOperation({ summary: 'One silence, with its state.' })
  @ApiResponse({ status: 200, description: 'The silence.', schema: schemaRef('Silence') })
  @ApiProblemResponse(404, 'No such silence in the caller’s tenant.')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const silence = await this.silences.get(principal.tenantId, id);
    if (!silence) throw new NotFoundException(`No silence ${id}.`);
    return toSilenceView(silence, new Date());
  }

  @Patch(':id')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Move the end of a silence not yet expired, or change its reason: `{ends_at?, reason?}`.' })
  @ApiBody({ required: true, schema: openApiSchema(patchBody.schema) })
  @ApiResponse({ status: 200, description: 'The silence as it is now.', schema: schemaRef('Silence') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such silence in the caller’s tenant.')
  @ApiProblemResponse(409, 'The silence has expired.')
  async patch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const input = patchBody.parse(body);
    const now = new Date();
    const current = await this.silences.get(principal.tenantId, id);
    if (!current) throw new NotFoundException(`No silence ${id}.`);
    if (silenceState(current, now) === 'expired') throw this.expired(current);
    const endsAt = input.ends_at === undefined ? undefined : new Date(input.ends_at);
    if (endsAt) {
      const problems = endProblems(endsAt, current.startsAt, now);
      if (problems.length > 0) throw invalidRequest(...problems);
    }
    return this.changed(id, await this.silences.update(principal.tenantId, id, { endsAt, reason: input.reason }, now), now);
  }

  @Delete(':id')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'End a silence now. It stays listed (`?state=expired` or `all`); the alerts it held fire again unless another silence holds them.' })
  @ApiResponse({ status: 200, description: 'The silence, expired.', schema: schemaRef('Silence') })
  @ApiProblemResponse(404, 'No such silence in the caller’s tenant.')
  @ApiProblemResponse(409, 'The silence has already expired.')
  async expire(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const now = new Date();
    return this.changed(id, await this.silences.expireNow(principal.tenantId, id, now), now);
  }

  private changed(id: string, result: SilenceChangeResult, now: Date) {
    switch (result.outcome) {
      case 'not-found':
        throw new NotFoundException(`No silence ${id}.`);
      case 'expired':
        throw this.expired(result.silence);
      case 'saved':
        return toSilenceView(result.silence, now);
    }
  }

  private expired(silence: SilenceEntity): ConflictException {
    return new ConflictException({ message: `Silence ${silence.id} already expired at ${silence.endsAt.toISOString()}; create a new one.`, state: 'expired' });
  }
}
