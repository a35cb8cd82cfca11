import { BadRequestException } from '@nestjs/common';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

/** One invalid field, as reported in a 400 problem document. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * Compiles a request schema once; `parse` converts strings (query parameters), fills defaults,
 * and throws a 400 whose problem document names every bad field.
 */
export function requestValidator<S extends TSchema>(schema: S): { parse(input: unknown): Static<S> } {
  const check = TypeCompiler.Compile(schema);
  return {
    parse(input: unknown): Static<S> {
      const value = Value.Default(schema, Value.Convert(schema, Value.Clone(input ?? {})));
      if (check.Check(value)) return value;
      const errors: FieldError[] = [...check.Errors(value)].map((e) => ({
        field: e.path.replace(/^\//, '').replace(/\//g, '.') || '(body)',
        message: e.message,
      }));
      throw new BadRequestException({
        title: 'Invalid request',
        message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      });
    },
  };
}
