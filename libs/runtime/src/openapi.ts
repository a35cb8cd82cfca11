import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiQuery, ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';

/** A JSON Schema (2020-12), as OpenAPI 3.1 embeds it. */
export type JsonSchemaObject = Readonly<Record<string, unknown>>;

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  /** Named schemas added under `components.schemas`, for `$ref: '#/components/schemas/<name>'`. */
  readonly schemas?: Readonly<Record<string, JsonSchemaObject>>;
}

/** Where every Kanshi HTTP app serves its OpenAPI document and the interactive docs. */
export const OPENAPI_PATHS = { document: '/openapi.json', docs: '/docs' } as const;

/** RFC 9457 problem details, the shape of every error answer (see `ProblemDetailsFilter`). */
export const PROBLEM_DETAILS_SCHEMA: JsonSchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'A URI naming the problem type; `about:blank` when the status says it all.' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'What went wrong and how to fix it.' },
    instance: { type: 'string', description: 'The request path.' },
  },
  additionalProperties: true,
};

/** A 400 from `requestValidator`: problem details naming every bad field. */
export const VALIDATION_PROBLEM_SCHEMA: JsonSchemaObject = {
  allOf: [{ $ref: '#/components/schemas/ProblemDetails' }],
  properties: {
    errors: {
      type: 'array',
      description: 'One entry per bad field.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', description: 'Dotted path of the field, e.g. `config.url`.' }, message: { type: 'string' } },
      },
    },
  },
};

/**
 * A JSON Schema (a TypeBox schema, say) for `@ApiBody`/`@ApiResponse`. OpenAPI 3.1 embeds JSON
 * Schema 2020-12 as is; `@nestjs/swagger` types schemas as OpenAPI 3.0's (`exclusiveMaximum:
 * boolean` and the like), so TypeBox schemas go through this loose type to be accepted.
 */
export function openApiSchema(schema: JsonSchemaObject): SchemaObject {
  return schema;
}

/**
 * Documents every property of an object schema (the one the route validates its query with) as a
 * query parameter. A property with a default is optional to the caller even when the schema requires it.
 */
export function ApiQueryParams(schema: JsonSchemaObject) {
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchemaObject>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return applyDecorators(
    ...Object.entries(properties).map(([name, property]) =>
      ApiQuery({
        name,
        required: required.has(name) && !('default' in property),
        schema: openApiSchema(property),
        ...(typeof property['description'] === 'string' && { description: property['description'] }),
      }),
    ),
  );
}

/** `$ref` to a schema under `components.schemas`. */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** Documents an error answer of a route: `application/problem+json` with the problem details schema. */
export function ApiProblemResponse(status: number, description: string, schema: JsonSchemaObject = schemaRef('ProblemDetails')) {
  return applyDecorators(ApiResponse({ status, description, content: { 'application/problem+json': { schema } } }));
}

/**
 * The OpenAPI 3.1 document of a running Nest app, generated from its routes and their decorators.
 * Version is Kanshi's package version; auth is the API key as a bearer token.
 */
export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A Kanshi API key: `kanshi_<id>_<secret>`.' }, 'api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false });
  const schemas = { ProblemDetails: PROBLEM_DETAILS_SCHEMA, ValidationProblem: VALIDATION_PROBLEM_SCHEMA, ...options.schemas };
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...(schemas as Record<string, object>) } };
  return document;
}

/** Serves `GET /openapi.json` and the interactive docs at `/docs` (assets served locally). */
export function serveOpenApi(app: INestApplication, options: OpenApiOptions, version: string): void {
  const document = buildOpenApiDocument(app, options, version);
  SwaggerModule.setup(OPENAPI_PATHS.docs, app, document, {
    jsonDocumentUrl: OPENAPI_PATHS.document,
    raw: ['json'],
    customSiteTitle: options.title,
    // No call to the public validator service: the docs work offline and leak nothing.
    swaggerOptions: { validatorUrl: null },
  });
}
