import { Body, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { IngestKeyRepository, type IngestKeyEntity } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef } from '@kanshi/runtime';
import { SecretBox } from '@kanshi/secrets';
import { ApiKeyGuard, RequireRoles } from './api-key.guard';
import { prepareIngestKey } from './ingest-key';
import { CurrentPrincipal, type Principal } from './principal';

const KEY_ID = /^[a-f0-9]{12}$/;

const createBody = requestValidator(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Which producer signs with the key (a pipeline, a team).' }),
    },
    { additionalProperties: false },
  ),
);

/** The wire shape of an ingest key: never its secret. */
export function toIngestKeyView(k: IngestKeyEntity) {
  return {
    key_id: k.keyId,
    name: k.name,
    created_at: k.createdAt.toISOString(),
    revoked_at: k.revokedAt?.toISOString() ?? null,
    is_dev: k.isDev,
  };
}

/**
 * The tenant's ingest keys (admin only): what producers that write straight to Kafka sign
 * their records with (`kanshi-signature`), so that nobody else can speak for the tenant. The
 * whole key is in the answer to its creation only; Kanshi keeps the secret sealed, because the
 * engine needs it to check signatures. Another tenant's keys do not exist for the caller (404).
 */
@ApiTags('ingest keys')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'Only `admin` keys manage ingest keys.')
@Controller('v1/ingest-keys')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin')
export class IngestKeysController {
  constructor(
    private readonly keys: IngestKeyRepository,
    private readonly secrets: SecretBox,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The tenant’s ingest keys, revoked ones included, oldest first: `{items: [{key_id, name, created_at, revoked_at, is_dev}]}`.' })
  @ApiResponse({ status: 200, description: 'Every ingest key of the tenant; never a secret.', schema: schemaRef('IngestKeyList') })
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: (await this.keys.listForTenant(principal.tenantId)).map(toIngestKeyView) };
  }

  @Post()
  @ApiOperation({
    summary:
      'Create an ingest key: `{name}`. The answer holds the whole key (`key`, `kanshi_ingest_<key_id>_<secret>`), shown this once. Producers sign each Kafka record with it; the engine accepts it within `KANSHI_INVENTORY_REFRESH_MS`.',
  })
  @ApiBody({ required: true, schema: openApiSchema(createBody.schema) })
  @ApiResponse({ status: 201, description: 'Created: `{key_id, name, created_at, key, note}`.', schema: schemaRef('CreatedIngestKey') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = createBody.parse(body);
    const { key, record } = prepareIngestKey({ tenantId: principal.tenantId, name: input.name.trim() }, this.secrets);
    const row = await this.keys.insert(record);
    return {
      key_id: row.keyId,
      name: row.name,
      created_at: row.createdAt.toISOString(),
      key,
      note: 'This is the only time the whole key is shown. Give it to the producer through a secret manager; if it is lost, create another key and revoke this one.',
    };
  }

  @Delete(':keyId')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Revoke an ingest key: the engine refuses records signed with it (dead letters `UNAUTHENTICATED`) within `KANSHI_INVENTORY_REFRESH_MS`. The key stays listed with `revoked_at`; revoking it again changes nothing.',
  })
  @ApiResponse({ status: 200, description: 'The key, revoked.', schema: schemaRef('IngestKey') })
  @ApiProblemResponse(404, 'No such ingest key in the caller’s tenant.')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('keyId') keyId: string) {
    const notFound = () => new NotFoundException(`No ingest key ${keyId}: a key id is the 12 hex characters after "kanshi_ingest_".`);
    if (!KEY_ID.test(keyId)) throw notFound();
    const key = await this.keys.revoke(principal.tenantId, keyId, new Date());
    if (!key) throw notFound();
    return toIngestKeyView(key);
  }
}
