import { ConflictException, Controller, Get, NotFoundException, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { Response } from 'express';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { AppConfig } from '@kanshi/config';
import { AlertRepository, EvidenceReportRepository, ModelRepository } from '@kanshi/persistence';
import { ApiProblemResponse, ApiQueryParams, requestValidator, schemaRef, type JsonSchemaObject } from '@kanshi/runtime';
import { reportFontPath } from '../report/report-pdf';
import { REPORT_LANGUAGES } from '../report/report-text';
import { writeDraftPdf } from './draft-pdf';
import { buildReportDraft, DRAFT_KINDS } from './report-draft';

const draftQuery = requestValidator(
  Type.Object(
    {
      lang: Type.Union(REPORT_LANGUAGES.map((l) => Type.Literal(l)), { default: 'ja', description: 'The draft’s language.' }),
      format: Type.Union([Type.Literal('pdf'), Type.Literal('json')], { default: 'pdf', description: '`pdf` to print and complete, `json` for the fields.' }),
    },
    { additionalProperties: false },
  ),
);

const DRAFT = Type.Object({
  kind: Type.Union(DRAFT_KINDS.map((k) => Type.Literal(k))),
  language: Type.Union(REPORT_LANGUAGES.map((l) => Type.Literal(l))),
  regulator: Type.String(),
  title: Type.String(),
  notice: Type.String({ description: 'That this is a draft for a person to complete and check; Kanshi files nothing.' }),
  deadline: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  submitted_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  alert_id: Type.String(),
  fields: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), value: Type.Union([Type.String(), Type.Null()], { description: 'null: for a person to complete.' }) })),
});

/** Named schemas of the draft endpoint. */
export function reportDraftOpenApiSchemas(): Record<string, JsonSchemaObject> {
  return { ReportDraft: DRAFT };
}

/**
 * Drafts of the report a regulator expects, from an alert that carries a legal clock: the APPI
 * breach report (preliminary, final), the PMD Act malfunction or adverse event report, the
 * Banking Act Art. 53 notification. Pre-filled from the alert, its evidence and the inventory.
 */
@ApiTags('alerts')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@Controller('v1/alerts')
@UseGuards(ApiKeyGuard)
export class ReportDraftsController {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly models: ModelRepository,
    private readonly reports: EvidenceReportRepository,
    private readonly config: AppConfig,
  ) {}

  @Get(':id/report-draft')
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({
    summary:
      'A draft of the report the alert’s legal clock calls for (APPI to the PPC, PMD Act Art. 68-10 to the PMDA, Banking Act Art. 53 to the FSA), in Japanese or English, pre-filled and marked as a draft for a person to complete. Record the filing with `POST /v1/alerts/:id/reports`.',
  })
  @ApiQueryParams(draftQuery.schema)
  @ApiProduces('application/pdf', 'application/json')
  @ApiResponse({ status: 200, description: 'The draft: a PDF, or with `format=json` its fields.', schema: schemaRef('ReportDraft') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(403, 'Only `admin` and `risk_officer` keys.')
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  @ApiProblemResponse(409, 'The alert’s rule calls for no report to a regulator.')
  async draft(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: unknown, @Res() response: Response): Promise<void> {
    const q = draftQuery.parse(query);
    const alert = await this.alerts.findForTenant(principal.tenantId, id);
    if (!alert) throw new NotFoundException(`No alert ${id}.`);
    const model = await this.models.find(principal.tenantId, alert.modelId);
    const draft = buildReportDraft(
      {
        tenant: { id: principal.tenantId, name: await this.reports.tenantName(principal.tenantId) },
        alert: {
          id: alert.id,
          ruleId: alert.ruleId,
          title: alert.title,
          severity: alert.severity,
          firstSeenAt: alert.firstSeenAt,
          dueAt: alert.dueAt,
          reportSubmittedAt: alert.reportSubmittedAt,
          observed: alert.observed,
          occurrences: alert.occurrenceCount,
          evidenceEventIds: alert.evidenceEventIds,
        },
        model,
      },
      q.lang,
    );
    if (!draft) throw new ConflictException(`Alert ${id} (rule ${alert.ruleId}) calls for no report to a regulator: drafts are made for rules P8, P13, M7, M8, M9 and F12.`);
    if (q.format === 'json') {
      response.status(200).json(draft);
      return;
    }
    const fontPath = reportFontPath(this.config.values.reportFont);
    response.status(200);
    response.setHeader('Content-Type', 'application/pdf');
    response.setHeader('Content-Disposition', `attachment; filename="kanshi-${draft.kind}-draft-${alert.id.slice(0, 8)}.${q.lang}.pdf"`);
    // Once bytes are out, a failure (the client went away) can only cut the download short.
    await writeDraftPdf(draft, fontPath, response).catch((error: unknown) => {
      if (!response.headersSent) throw error;
      response.destroy();
    });
  }
}
