import { Body, ConflictException, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { ApiKeyEntity } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef } from '@kanshi/runtime';
import { ROLES } from './api-key';
import { ApiKeyGuard, RequireRoles } from './api-key.guard';
import { ApiKeyService } from './api-key.service';
import { CurrentPrincipal, type Principal } from './principal';

const KEY_ID = /^[a-f0-9]{12}$/;

const createBody = requestValidator(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Who or what uses the key (shown as the actor in alert history and audit).' }),
      roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, uniqueItems: true, description: `One or more of ${ROLES.join(', ')}.` }),
    },
    { additionalProperties: false },
  ),
);

/** The wire shape of a key: never its hash or salt. */
export function toKeyView(k: ApiKeyEntity) {
  return {
    key_id: k.keyId,
    name: k.name,
    roles: k.roles,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    is_dev: k.isDev,
  };
}

/**
 * The tenant's API keys (admin only). A key is stored as a salted hash: the whole key is in
 * the answer to its creation and nowhere else. Revoked keys stay listed. Another tenant's
 * keys do not exist for the caller (404).
 */
@ApiTags('api keys')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'Only `admin` keys manage keys.')
@Controller('v1/keys')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get()
  @ApiOperation({ summary: 'The tenant’s keys, revoked ones included, oldest first: `{items: [{key_id, name, roles, created_at, last_used_at, revoked_at, is_dev}]}`.' })
  @ApiResponse({ status: 200, description: 'Every key of the tenant; never a hash or a salt.', schema: schemaRef('ApiKeyList') })
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: (await this.apiKeys.list(principal.tenantId)).map(toKeyView) };
  }

  @Post()
  @ApiOperation({ summary: 'Create a key: `{name, roles}`. The answer holds the whole key (`key`), shown this once: store it now.' })
  @ApiBody({ required: true, schema: openApiSchema(createBody.schema) })
  @ApiResponse({ status: 201, description: 'Created: `{key_id, name, roles, created_at, key, note}`.', schema: schemaRef('CreatedApiKey') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = createBody.parse(body);
    const { token, key } = await this.apiKeys.issue({ tenantId: principal.tenantId, name: input.name.trim(), roles: input.roles });
    return {
      key_id: key.keyId,
      name: key.name,
      roles: key.roles,
      created_at: key.createdAt.toISOString(),
      key: token,
      note: 'This is the only time the whole key is shown: Kanshi keeps a salted hash of it. Store it in a secret manager now; if it is lost, create another key and revoke this one.',
    };
  }

  @Delete(':keyId')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Revoke a key: it stops working at once on this instance and within 10 s on the others. The key stays listed with `revoked_at`. Revoking a revoked key changes nothing.' })
  @ApiResponse({ status: 200, description: 'The key, revoked.', schema: schemaRef('ApiKey') })
  @ApiProblemResponse(404, 'No such key in the caller’s tenant.')
  @ApiProblemResponse(409, 'It is the tenant’s last active admin key: create another admin key first.')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('keyId') keyId: string) {
    if (!KEY_ID.test(keyId)) throw new NotFoundException(`No API key ${keyId}: a key id is the 12 hex characters after "kanshi_".`);
    const result = await this.apiKeys.revoke(principal.tenantId, keyId);
    switch (result.outcome) {
      case 'not-found':
        throw new NotFoundException(`No API key ${keyId}.`);
      case 'last-of-role':
        throw new ConflictException({
          message: `Key ${keyId} is the tenant's last active admin key; revoking it would leave no one able to manage keys. Create another admin key (POST /v1/keys) first.`,
          key_id: keyId,
        });
      case 'revoked':
      case 'already-revoked':
        return toKeyView(result.key);
    }
  }
}
