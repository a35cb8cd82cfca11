import { BadRequestException } from '@nestjs/common';
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { exceedsJsonDepth, MAX_JSON_DEPTH, tooDeepProblem } from './json-depth';

// TypeBox knows no string formats until they are registered; unknown formats fail every value.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
// Deliberately loose (one @, no spaces, a dot in the domain): the mail server is the judge.
if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v));

/** One invalid field, as reported in a 400 problem document. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * Compiles a request schema once; `parse` converts strings (query parameters), fills defaults,
 * and throws a 400 whose problem document names every bad field.
 */
export function requestValidator<S extends TSchema>(schema: S): { parse(input: unknown): Static<S>; readonly schema: S } {
  const check = TypeCompiler.Compile(schema);
  return {
    // The schema a request is checked against is also what the OpenAPI document shows.
    schema,
    parse(input: unknown): Static<S> {
      // TypeBox clones, converts and checks by recursion: refuse a value too deep for it first.
      if (exceedsJsonDepth(input, MAX_JSON_DEPTH)) throw tooDeepProblem();
      const value = Value.Default(schema, Value.Convert(schema, Value.Clone(input ?? {})));
      if (check.Check(value)) return value;
      // TypeBox may report one field several times (missing, then not a string): the first says it.
      const byField = new Map<string, FieldError>();
      for (const e of check.Errors(value)) {
        const field = e.path.replace(/^\//, '').replace(/\//g, '.') || '(body)';
        if (!byField.has(field)) byField.set(field, { field, message: e.message });
      }
      const errors = [...byField.values()];
      throw new BadRequestException({
        title: 'Invalid request',
        message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      });
    },
  };
}
