import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { findJsonSyntaxError } from '@kanshi/contracts';

/** What the body parser attaches to its errors (`http-errors` properties). */
interface BodyParserError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  readonly limit?: number;
  readonly length?: number;
  /** The raw body, on a parse failure. */
  readonly body?: unknown;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | null;
  return error instanceof Error && typeof candidate?.status === 'number' && typeof candidate.type === 'string';
}

/**
 * The answer to a body the parser refused, with what a producer needs to fix it: the limit for
 * a body too large, the line, column and position of malformed JSON. `undefined` for any other error.
 */
export function bodyParserProblem(error: unknown): HttpException | undefined {
  if (!isBodyParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.too.large':
      return new PayloadTooLargeException({
        message: `The body is ${error.length ?? 'more than'} bytes; the limit is ${error.limit ?? '?'} bytes.`,
        limit: error.limit,
      });
    case 'entity.parse.failed': {
      const syntax = findJsonSyntaxError(typeof error.body === 'string' ? error.body : '');
      if (syntax === null) {
        // Valid JSON refused by the strict parser: a bare string, number or literal.
        return new BadRequestException({ title: 'Malformed JSON', message: 'The body must be a JSON object or array.' });
      }
      const { position, line, column, expected, found } = syntax;
      return new BadRequestException({
        title: 'Malformed JSON',
        message: `The body is not valid JSON: at line ${line}, column ${column} (position ${position}) expected ${expected}, found ${found}.`,
        position,
        line,
        column,
      });
    }
    default:
      return new HttpException(error.message, error.status);
  }
}

/**
 * Express error middleware placed right after the body parser, so its errors reach the
 * exception filter as HttpExceptions (Nest would otherwise keep only the parser's message).
 */
export function bodyParserErrors(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  next(bodyParserProblem(error) ?? error);
}
