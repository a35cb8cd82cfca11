import { BadRequestException, type HttpException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * Deepest nesting of objects and arrays a JSON request body may have (`{}` is one level). No
 * request Kanshi takes needs more than a few levels; a telemetry event may nest 32 inside a batch.
 * `JSON.parse` reads any depth, but what walks the value afterwards (validation, cloning,
 * `JSON.stringify` for the database) recurses and throws `RangeError` some thousands of levels down.
 */
export const MAX_JSON_DEPTH = 64;

function childrenOf(value: object): readonly unknown[] {
  return Array.isArray(value) ? value : Object.values(value);
}

/**
 * Whether objects and arrays in `value` nest more than `limit` levels deep. Iterative, and it
 * stops at the first path past the limit, so it is safe and cheap on any input.
 */
export function exceedsJsonDepth(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit < 1) return true;
  // One frame per open container: its children and the next one to visit.
  const stack: { readonly children: readonly unknown[]; next: number }[] = [{ children: childrenOf(value), next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as (typeof stack)[number];
    if (frame.next === frame.children.length) {
      stack.pop();
      continue;
    }
    const child = frame.children[frame.next];
    frame.next += 1;
    if (typeof child === 'object' && child !== null) {
      if (stack.length === limit) return true;
      stack.push({ children: childrenOf(child), next: 0 });
    }
  }
  return false;
}

/** The 400 answer to a body nested deeper than `limit`. */
export function tooDeepProblem(limit: number = MAX_JSON_DEPTH): HttpException {
  return new BadRequestException({
    title: 'JSON nested too deeply',
    message: `Objects and arrays in the body nest more than ${limit} levels deep; the limit is ${limit}. Send a flatter document.`,
    limit,
  });
}

/**
 * Express middleware placed right after the JSON body parser: a body nested deeper than `limit`
 * is answered 400 before any handler, guard or validator walks it.
 */
export function jsonDepthLimit(limit: number = MAX_JSON_DEPTH) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    next(exceedsJsonDepth(request.body, limit) ? tooDeepProblem(limit) : undefined);
  };
}
