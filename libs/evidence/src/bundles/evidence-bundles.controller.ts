import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AppConfig } from '@kanshi/config';
import { SECTORS } from '@kanshi/contracts';
import { EvidenceBundleRepository, type BundleRow } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef, type JsonSchemaObject } from '@kanshi/runtime';
import { bundleDirName } from './export-bundle.job';

/** Bundles a tenant may have queued or running at once. */
export const OPEN_BUNDLES_PER_TENANT = 2;
/** Bundles a tenant may keep (not expired) at once: their archives take room in PostgreSQL. */
export const KEPT_BUNDLES_PER_TENANT = 20;

const bundleBody = requestValidator(
  Type.Object(
    {
      from: Type.Optional(Type.String({ format: 'date-time', description: 'Evidence recorded at or after this time. Without it: from the start.' })),
      to: Type.Optional(Type.String({ format: 'date-time', description: 'Evidence recorded before this time. Without it: to now.' })),
      model_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'The report covers this model only (the entries are the whole chain’s).' })),
      sector: Type.Optional(Type.Union(SECTORS.map((s) => Type.Literal(s)), { description: 'The report covers this sector only.' })),
    },
    { additionalProperties: false },
  ),
);

const BUNDLE = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.Union(['queued', 'running', 'done', 'failed'].map((s) => Type.Literal(s))),
  stage: Type.Union([Type.String({ description: '`entries`, `report`, `archive` or `done`.' }), Type.Null()]),
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }, { description: 'How far the stage has come: entries written, report languages, archive.' }),
  params: Type.Object({
    from: Type.Union([Type.String(), Type.Null()]),
    to: Type.Union([Type.String(), Type.Null()]),
    model_id: Type.Union([Type.String(), Type.Null()]),
    sector: Type.Union([Type.String(), Type.Null()]),
  }),
  requested_by: Type.String(),
  requested_by_name: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expires_at: Type.String({ format: 'date-time', description: 'The bundle and its archive are deleted after this time.' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the job failed.' }),
  size: Type.Union([Type.Integer(), Type.Null()], { description: 'The archive’s size in bytes, once done.' }),
  manifest: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'The signed manifest of the bundle (see docs/evidence.md), once done.' }),
  download: Type.Union([Type.String(), Type.Null()], { description: 'Where to download the `.tar.gz`, once done.' }),
});

/** Named schemas of the bundle endpoints. */
export function evidenceBundleOpenApiSchemas(): Record<string, JsonSchemaObject> {
  return { EvidenceBundle: BUNDLE, EvidenceBundleList: Type.Object({ items: Type.Array(BUNDLE) }) };
}

function toBundleView(b: BundleRow) {
  return {
    id: b.id,
    status: b.status,
    stage: b.stage,
    progress: { done: b.done, total: b.total },
    params: b.params,
    requested_by: b.requestedBy,
    requested_by_name: b.requestedByName,
    created_at: b.createdAt.toISOString(),
    started_at: b.startedAt?.toISOString() ?? null,
    finished_at: b.finishedAt?.toISOString() ?? null,
    expires_at: b.expiresAt.toISOString(),
    error: b.error,
    size: b.size,
    manifest: b.manifest,
    download: b.status === 'done' ? `/v1/evidence/bundles/${b.id}/download` : null,
  };
}

/**
 * Evidence bundles made by the alert worker as a job: asked for here, followed by polling, and
 * downloaded as a `.tar.gz` that `npm run evidence -- verify-bundle` checks with the public key alone.
 */
@ApiTags('evidence')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@Controller('v1/evidence/bundles')
@UseGuards(ApiKeyGuard)
export class EvidenceBundlesController {
  constructor(
    private readonly bundles: EvidenceBundleRepository,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({
    summary:
      'Asks for an evidence bundle of the tenant for a period (optionally with the report of one model or sector): the alert worker makes it as a job; follow it with `GET /v1/evidence/bundles/:id`.',
  })
  @ApiBody({ required: false, schema: openApiSchema(bundleBody.schema) })
  @ApiResponse({ status: 202, description: 'Queued; `Location` names the bundle.', schema: schemaRef('EvidenceBundle') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  @ApiProblemResponse(409, `The tenant has ${OPEN_BUNDLES_PER_TENANT} bundles queued or running, or keeps ${KEPT_BUNDLES_PER_TENANT}, already.`)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    const input = bundleBody.parse(body ?? {});
    if (input.model_id !== undefined && input.sector !== undefined) {
      throw new BadRequestException({ message: 'sector: give model_id or sector, not both', errors: [{ field: 'sector', message: 'give model_id or sector, not both' }] });
    }
    if (input.from !== undefined && input.to !== undefined && Date.parse(input.to) <= Date.parse(input.from)) {
      throw new BadRequestException({ message: `to: must be after from (${input.from})`, errors: [{ field: 'to', message: 'must be after from' }] });
    }
    const params = {
      from: input.from === undefined ? null : new Date(input.from).toISOString(),
      to: input.to === undefined ? null : new Date(input.to).toISOString(),
      model_id: input.model_id ?? null,
      sector: input.sector ?? null,
    };
    const expiresAt = new Date(Date.now() + this.config.values.evidenceBundleTtlHours * 3_600_000);
    const made = await this.bundles.create(principal.tenantId, { id: `api-key:${principal.keyId}`, name: principal.keyName }, params, expiresAt, {
      open: OPEN_BUNDLES_PER_TENANT,
      kept: KEPT_BUNDLES_PER_TENANT,
    });
    if ('refused' in made) {
      throw new ConflictException(
        made.refused === 'open'
          ? `The tenant has ${OPEN_BUNDLES_PER_TENANT} bundles queued or running already: wait for one to finish.`
          : `The tenant keeps ${KEPT_BUNDLES_PER_TENANT} bundles already: they are deleted ${this.config.values.evidenceBundleTtlHours} hours after they were asked for (KANSHI_EVIDENCE_BUNDLE_TTL_HOURS).`,
      );
    }
    response.setHeader('Location', `/v1/evidence/bundles/${made.bundle.id}`);
    return toBundleView(made.bundle);
  }

  @Get()
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'The tenant’s bundles, newest first (the last 50 that have not expired).' })
  @ApiResponse({ status: 200, description: 'The bundles.', schema: schemaRef('EvidenceBundleList') })
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: (await this.bundles.list(principal.tenantId, 50)).map(toBundleView) };
  }

  @Get(':id')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'A bundle: its status and progress, and once done its manifest and where to download it.' })
  @ApiResponse({ status: 200, description: 'The bundle.', schema: schemaRef('EvidenceBundle') })
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  @ApiProblemResponse(404, 'No such bundle in the caller’s tenant (or it expired).')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toBundleView(await this.existing(principal.tenantId, id));
  }

  @Get(':id/download')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'The bundle as a `.tar.gz` (one directory: entries, checkpoints, public key, reports, manifest), streamed.' })
  @ApiProduces('application/gzip')
  @ApiResponse({ status: 200, description: 'The archive.' })
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  @ApiProblemResponse(404, 'No such bundle in the caller’s tenant (or it expired).')
  @ApiProblemResponse(409, 'The bundle is not done (still queued or running, or failed).')
  async download(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res() response: Response): Promise<void> {
    const bundle = await this.existing(principal.tenantId, id);
    if (bundle.status !== 'done') throw new ConflictException(`Bundle ${id} is ${bundle.status}${bundle.error ? ` (${bundle.error})` : ''}: only a done bundle can be downloaded.`);
    const parts = this.bundles.parts(id);
    // The first part is read before the headers go: a database error is still a clean 500.
    const first = await parts.next();
    response.status(200);
    response.setHeader('Content-Type', 'application/gzip');
    response.setHeader('Content-Disposition', `attachment; filename="${bundleDirName(bundle)}.tar.gz"`);
    if (bundle.size !== null) response.setHeader('Content-Length', String(bundle.size));
    async function* all(): AsyncGenerator<Buffer> {
      if (!first.done) yield first.value;
      yield* parts;
    }
    // A client that goes away ends the pipeline (and the reads); an error cuts the download short.
    await pipeline(Readable.from(all()), response).catch(() => undefined);
  }

  private async existing(tenantId: string, id: string): Promise<BundleRow> {
    const bundle = await this.bundles.find(tenantId, id);
    if (!bundle) throw new NotFoundException(`No evidence bundle ${id}.`);
    return bundle;
  }
}
