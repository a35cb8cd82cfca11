import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { ApiProblemResponse, ApiQueryParams, openApiSchema, requestValidator, schemaRef, type JsonSchemaObject } from '@kanshi/runtime';
import { EvidenceLedger, type EvidencePublicKey } from './evidence-ledger.service';
import type { Checkpoint } from './evidence-signer';
import type { LedgerProblem, LedgerReport } from './ledger-verifier';

const DATE_TIME = (description: string) => Type.String({ format: 'date-time', description });

const verifyQuery = requestValidator(
  Type.Object(
    {
      from: Type.Optional(DATE_TIME('Entries recorded at or after this time. Without `from` and `to`: the whole chain.')),
      to: Type.Optional(DATE_TIME('Entries recorded before this time.')),
    },
    { additionalProperties: false },
  ),
);

/** The checkpoint request names nothing: the tenant is the key's. */
const checkpointBody = requestValidator(Type.Object({}, { additionalProperties: false, description: 'No fields (or no body): the chain is the tenant’s of the key.' }));

const PUBLIC_KEY = Type.Object({
  key_id: Type.String({ description: 'First 16 hex digits of the SHA-256 of the raw public key; checkpoints name it.' }),
  algorithm: Type.Literal('Ed25519'),
  public_key_pem: Type.String({ description: 'SPKI PEM.' }),
  development: Type.Boolean({ description: 'The public development key: its checkpoints prove nothing (production refuses it).' }),
});

const CHECKPOINT = Type.Object({
  tenant_id: Type.String(),
  seq: Type.Integer({ description: 'The entry whose hash is signed: the head of the chain when signed.' }),
  hash: Type.String(),
  signed_at: Type.String({ format: 'date-time' }),
  key_id: Type.String(),
  signature: Type.String({ description: 'Ed25519 over the canonical JSON (RFC 8785) of the other fields, base64.' }),
});

const PROBLEM_KINDS = ['missing', 'edited', 'misplaced', 'unlinked', 'checkpoint-mismatch', 'bad-signature', 'truncated'] as const;
const REPORT = Type.Object({
  ok: Type.Boolean(),
  tenant_id: Type.String(),
  entries: Type.Integer({ description: 'Entries read.' }),
  first_seq: Type.Union([Type.Integer(), Type.Null()]),
  last_seq: Type.Union([Type.Integer(), Type.Null()]),
  head_hash: Type.Union([Type.String(), Type.Null()]),
  checkpoints: Type.Object({ checked: Type.Integer(), matched: Type.Integer() }),
  problem: Type.Optional(
    Type.Object({
      seq: Type.Integer({ description: 'The first bad entry.' }),
      kind: Type.Union(PROBLEM_KINDS.map((k) => Type.Literal(k))),
      message: Type.String(),
    }),
  ),
});

/** Named schemas of the evidence endpoints, for `components.schemas` of the API's document. */
export function evidenceOpenApiSchemas(): Record<string, JsonSchemaObject> {
  return {
    EvidencePublicKey: PUBLIC_KEY,
    EvidenceCheckpoint: CHECKPOINT,
    EvidenceHeadCheckpoint: Type.Object({
      sealed: Type.Integer({ description: 'Entries chained by this request.' }),
      checkpoint: Type.Union([CHECKPOINT, Type.Null()], { description: 'The checkpoint of the chain’s head (signed now, or earlier when the head had one); null while the ledger is empty, or when the chain is broken.' }),
      problem: Type.Optional(Type.Object({ seq: Type.Integer(), kind: Type.String(), message: Type.String() }, { description: 'Why no checkpoint was signed: the chain does not run unbroken from the last checkpoint to its head.' })),
    }),
    EvidenceReport: REPORT,
  };
}

/**
 * The tenant's evidence ledger: the key that verifies its checkpoints, verification of its
 * chain (naming the first bad entry), and a checkpoint on demand (before handing evidence over).
 */
@ApiTags('evidence')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@Controller('v1/evidence')
@UseGuards(ApiKeyGuard)
export class EvidenceController {
  constructor(private readonly ledger: EvidenceLedger) {}

  @Get('public-key')
  @RequireRoles('admin', 'risk_officer', 'viewer')
  @ApiOperation({ summary: 'The Ed25519 public key that verifies the ledger’s checkpoints, with its id.' })
  @ApiResponse({ status: 200, description: 'The key.', schema: schemaRef('EvidencePublicKey') })
  @ApiProblemResponse(403, 'Only `admin`, `risk_officer` and `viewer` keys.')
  publicKey(): EvidencePublicKey {
    return this.ledger.publicKey();
  }

  @Get('verify')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({
    summary:
      'Verifies the tenant’s ledger (or the entries recorded in `[from, to)`): every entry’s hash, its link to the one before, its position, and the signed checkpoints. `ok: false` names the first bad entry and what is wrong with it.',
  })
  @ApiQueryParams(verifyQuery.schema)
  @ApiResponse({ status: 200, description: 'The report.', schema: schemaRef('EvidenceReport') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  async verify(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<LedgerReport> {
    const q: Static<typeof verifyQuery.schema> = verifyQuery.parse(query);
    const from = q.from === undefined ? undefined : new Date(q.from);
    const to = q.to === undefined ? undefined : new Date(q.to);
    if (from && to && to.getTime() <= from.getTime()) {
      throw new BadRequestException({ message: `to: must be after from (${from.toISOString()})`, errors: [{ field: 'to', message: 'must be after from' }] });
    }
    return this.ledger.verify(principal.tenantId, { from, to });
  }

  @Post('checkpoints')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Chains the tenant’s changes captured so far and answers the checkpoint of its chain’s head, signing one if the head has none: sign before handing evidence over.' })
  @ApiBody({ required: false, schema: openApiSchema(checkpointBody.schema) })
  @ApiResponse({ status: 200, description: 'What was chained, and the head’s checkpoint.', schema: schemaRef('EvidenceHeadCheckpoint') })
  @ApiProblemResponse(400, 'A field was given: there is none.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  checkpoint(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<{ sealed: number; checkpoint: Checkpoint | null; problem?: LedgerProblem }> {
    checkpointBody.parse(body ?? {});
    return this.ledger.checkpointHead(principal.tenantId);
  }
}
