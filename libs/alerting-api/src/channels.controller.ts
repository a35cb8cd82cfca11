import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type TString } from '@sinclair/typebox';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AppConfig, CONFIG_VARIABLES } from '@kanshi/config';
import { ChannelRepository, NameTakenError, type ChannelRecord } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef, type FieldError } from '@kanshi/runtime';
import { CHANNEL_CONFIG_SCHEMAS, CHANNEL_KINDS, CHANNEL_SECRET_DESCRIPTIONS, OutboundGuard, type ChannelKind } from '@kanshi/alerting';
import { actorOf } from './alerts.controller';

/** A 400 in the shape `requestValidator` gives, for checks a schema cannot express. */
export function invalidRequest(...errors: FieldError[]): BadRequestException {
  return new BadRequestException({ title: 'Invalid request', message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors });
}

/** A 409 for a name another live row of the tenant has. */
export function nameTaken(error: NameTakenError): ConflictException {
  return new ConflictException({ message: `${error.message} Pick another name.`, field: 'name' });
}

const NAME = Type.String({ minLength: 1, maxLength: 200 });
const CONFIG = Type.Record(Type.String(), Type.Unknown(), { description: 'Settings of the channel’s kind (see the channel kinds).' });

const createBody = requestValidator(
  Type.Object(
    {
      name: NAME,
      kind: Type.Union(CHANNEL_KINDS.map((k) => Type.Literal(k))),
      config: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
      secret: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
      enabled: Type.Boolean({ default: true }),
    },
    { additionalProperties: false },
  ),
);

const patchBody = requestValidator(
  Type.Object(
    {
      name: Type.Optional(NAME),
      config: Type.Optional(CONFIG),
      secret: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], { description: 'null removes the secret (email channels only).' })),
      enabled: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
);

interface Validator<T> {
  parse(input: unknown): T;
}

// Validated under a `config` key, so that errors name `config.<field>`.
const configValidators: Readonly<Record<ChannelKind, Validator<{ config: Record<string, unknown> }>>> = {
  webhook: requestValidator(Type.Object({ config: CHANNEL_CONFIG_SCHEMAS.webhook })),
  email: requestValidator(Type.Object({ config: CHANNEL_CONFIG_SCHEMAS.email })),
  slack: requestValidator(Type.Object({ config: CHANNEL_CONFIG_SCHEMAS.slack })),
};

/** What each kind's secret must look like, and whether it must have one. Error messages never quote the value. */
const SECRET_SCHEMAS: Readonly<Record<ChannelKind, { readonly schema: TString; readonly required: boolean }>> = {
  webhook: { schema: Type.String({ minLength: 16, maxLength: 2000 }), required: true },
  email: { schema: Type.String({ minLength: 1, maxLength: 2000 }), required: false },
  slack: { schema: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }), required: true },
};
const secretValidators: Readonly<Record<ChannelKind, Validator<{ secret: string }>>> = {
  webhook: requestValidator(Type.Object({ secret: SECRET_SCHEMAS.webhook.schema })),
  email: requestValidator(Type.Object({ secret: SECRET_SCHEMAS.email.schema })),
  slack: requestValidator(Type.Object({ secret: SECRET_SCHEMAS.slack.schema })),
};

function isChannelKind(kind: string): kind is ChannelKind {
  return (CHANNEL_KINDS as readonly string[]).includes(kind);
}

/** The secret to store, checked for the kind; `null` when the kind allows none and none was given. */
function checkSecret(kind: ChannelKind, secret: string | null | undefined): string | null {
  if (secret === undefined || secret === null) {
    if (SECRET_SCHEMAS[kind].required) throw invalidRequest({ field: 'secret', message: `required for ${kind} channels: ${CHANNEL_SECRET_DESCRIPTIONS[kind]}` });
    return null;
  }
  return secretValidators[kind].parse({ secret }).secret;
}

/** A channel's configuration checked against its kind, defaults filled. */
function checkConfig(kind: ChannelKind, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return configValidators[kind].parse({ config }).config;
}

/** The host a URL names, or `null` when it is not a URL. */
function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** Where a channel connects: each destination with the field that sets it. */
function destinations(kind: ChannelKind, config: Readonly<Record<string, unknown>>, secret: string | null | undefined): { field: string; host: string | null }[] {
  switch (kind) {
    case 'webhook':
      return [{ field: 'config.url', host: hostOf(config['url']) }];
    case 'email':
      return [{ field: 'config.host', host: typeof config['host'] === 'string' ? config['host'] : null }];
    case 'slack':
      return secret === undefined || secret === null ? [] : [{ field: 'secret', host: hostOf(secret) }];
  }
}

/** The wire shape of a channel: never the secret, only whether one is set; the URL shows only its scheme, host and port. */
export function toChannelView(c: ChannelRecord) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    config: c.config,
    enabled: c.enabled,
    secret_set: c.secretSet,
    created_by: c.createdBy,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/**
 * Where the tenant's notifications go. Secrets (webhook signing keys, SMTP passwords, Slack
 * webhook URLs) are write-only: stored, never returned. Another tenant's channels do not exist
 * for the caller (404).
 */
@ApiTags('notification channels')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/channels')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class ChannelsController {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly guard: OutboundGuard,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @RequireRoles('admin')
  @ApiOperation({
    summary:
      'Create a channel: `{name, kind: webhook|email|slack, config, secret?, enabled?}`. `config` is checked against the kind (defaults filled). ' +
      `Secret: webhook: ${CHANNEL_SECRET_DESCRIPTIONS.webhook} email: ${CHANNEL_SECRET_DESCRIPTIONS.email} slack: ${CHANNEL_SECRET_DESCRIPTIONS.slack}`,
  })
  @ApiBody({ required: true, schema: openApiSchema(createBody.schema) })
  @ApiResponse({ status: 201, description: 'Created; the secret is not in the answer (`secret_set` says one is stored).', schema: schemaRef('Channel') })
  @ApiProblemResponse(
    400,
    'A bad field, named (`config.<field>` for the configuration): also a destination at a loopback, private, link-local or other internal address that `KANSHI_OUTBOUND_ALLOWLIST` does not name, and more recipients than `KANSHI_QUOTA_CHANNEL_RECIPIENTS`.',
    schemaRef('ValidationProblem'),
  )
  @ApiProblemResponse(409, 'The tenant has a channel of that name.')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = createBody.parse(body);
    const config = checkConfig(input.kind, input.config);
    const secret = checkSecret(input.kind, input.secret);
    await this.checkReach(destinations(input.kind, config, secret), config['to']);
    try {
      const channel = await this.channels.create(principal.tenantId, { name: input.name, kind: input.kind, config, secret, enabled: input.enabled, createdBy: actorOf(principal).actor });
      return toChannelView(channel);
    } catch (error) {
      if (error instanceof NameTakenError) throw nameTaken(error);
      throw error;
    }
  }

  @Get()
  @ApiOperation({ summary: 'The tenant’s channels (deleted ones left out), by name.' })
  @ApiResponse({ status: 200, description: 'The channels.', schema: schemaRef('ChannelList') })
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: (await this.channels.list(principal.tenantId)).map(toChannelView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One channel.' })
  @ApiResponse({ status: 200, description: 'The channel.', schema: schemaRef('Channel') })
  @ApiProblemResponse(404, 'No such channel in the caller’s tenant.')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toChannelView(await this.existing(principal.tenantId, id));
  }

  @Patch(':id')
  @RequireRoles('admin')
  @ApiOperation({
    summary:
      'Change any of `name`, `config`, `secret`, `enabled`. `config` is merged into the current one (a key set to null goes back to its default) and checked against the channel’s kind; the kind never changes.',
  })
  @ApiBody({ required: true, schema: openApiSchema(patchBody.schema) })
  @ApiResponse({ status: 200, description: 'The channel as it is now.', schema: schemaRef('Channel') })
  @ApiProblemResponse(400, 'A bad field, named, as for creating a channel.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such channel in the caller’s tenant.')
  @ApiProblemResponse(409, 'The tenant has another channel of that name, or the channel is of a kind this version does not know.')
  async patch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const changes = patchBody.parse(body);
    const current = await this.existing(principal.tenantId, id);
    if (!isChannelKind(current.kind)) throw new ConflictException(`Channel ${id} is of an unknown kind "${current.kind}"; delete it and create a new one.`);
    let config: Record<string, unknown> | undefined;
    if (changes.config !== undefined) {
      const merged: Record<string, unknown> = { ...current.config };
      for (const [key, value] of Object.entries(changes.config)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      config = checkConfig(current.kind, merged);
    }
    const secret = changes.secret === undefined ? undefined : checkSecret(current.kind, changes.secret);
    if (config !== undefined || secret !== undefined) {
      // Only what this request changes is checked again: a destination saved earlier is checked at every connection anyway.
      const changed = new Set([...Object.keys(changes.config ?? {}).map((key) => `config.${key}`), ...(secret === undefined ? [] : ['secret'])]);
      await this.checkReach(
        destinations(current.kind, config ?? current.config, secret).filter((d) => changed.has(d.field)),
        changed.has('config.to') ? config?.['to'] : undefined,
      );
    }
    try {
      const channel = await this.channels.update(principal.tenantId, id, { name: changes.name, config, secret, enabled: changes.enabled });
      if (!channel) throw new NotFoundException(`No channel ${id}.`);
      return toChannelView(channel);
    } catch (error) {
      if (error instanceof NameTakenError) throw nameTaken(error);
      throw error;
    }
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Delete a channel no route uses. Past notifications keep naming it.' })
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiProblemResponse(404, 'No such channel in the caller’s tenant.')
  @ApiProblemResponse(409, 'Routes still send to the channel; they are named.')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    const result = await this.channels.softDelete(principal.tenantId, id);
    switch (result.outcome) {
      case 'deleted':
        return;
      case 'not-found':
        throw new NotFoundException(`No channel ${id}.`);
      case 'in-use':
        throw new ConflictException({
          message: `Channel ${id} is used by ${result.routes.length === 1 ? 'route' : 'routes'} ${result.routes.map((r) => `"${r.name}"`).join(', ')}: take it out of them first.`,
          routes: result.routes.map((r) => ({ id: r.id, name: r.name })),
        });
    }
  }

  /**
   * Refuses destinations the outbound guard would refuse (named by field, with the setting that
   * allows them) and more recipients than the quota. A name that does not resolve now passes:
   * the guard checks every connection again.
   */
  private async checkReach(targets: readonly { field: string; host: string | null }[], to: unknown): Promise<void> {
    const problems: FieldError[] = [];
    for (const { field, host } of targets) {
      const refusal = host === null ? null : await this.guard.refusalFor(host);
      if (refusal) problems.push({ field, message: refusal });
    }
    const quota = this.config.values.channelRecipientsQuota;
    if (Array.isArray(to) && to.length > quota) {
      problems.push({ field: 'config.to', message: `${to.length} recipients, over the most a channel may have, ${quota} (${CONFIG_VARIABLES.channelRecipientsQuota.name})` });
    }
    if (problems.length > 0) throw invalidRequest(...problems);
  }

  private async existing(tenantId: string, id: string): Promise<ChannelRecord> {
    const channel = await this.channels.get(tenantId, id);
    if (!channel) throw new NotFoundException(`No channel ${id}.`);
    return channel;
  }
}
