import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';

/** RFC 9457 problem details, the one error shape of every Kanshi HTTP answer. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export function titleOf(status: number): string {
  const name = HttpStatus[status];
  return typeof name === 'string' ? name.toLowerCase().replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase()) : 'Error';
}

interface ClientError {
  readonly status: number;
  readonly message: string;
}

/** A 4xx error of Express or its body parser that was not turned into an HttpException. */
function isClientError(error: unknown): error is ClientError {
  const status = (error as { status?: unknown } | null)?.status;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

/** Turns every exception into `application/problem+json`; unexpected ones are logged, not leaked. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request>();
    let problem: ProblemDetails;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const extra = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const message = extra['message'] ?? (typeof body === 'string' ? body : exception.message);
      const { message: _m, error: _e, statusCode: _s, ...extensions } = extra;
      problem = {
        ...extensions,
        type: typeof extra['type'] === 'string' ? extra['type'] : 'about:blank',
        title: typeof extra['title'] === 'string' ? extra['title'] : titleOf(status),
        status,
        detail: Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message,
        instance: request.originalUrl,
      };
      if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    } else if (isClientError(exception)) {
      problem = { type: 'about:blank', title: titleOf(exception.status), status: exception.status, detail: exception.message, instance: request.originalUrl };
    } else {
      this.logger.error(`${request.method} ${request.originalUrl} failed`, exception instanceof Error ? exception.stack : String(exception));
      problem = { type: 'about:blank', title: 'Internal server error', status: 500, instance: request.originalUrl };
    }
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
