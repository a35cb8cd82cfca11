import { BadRequestException } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { requestValidator } from './request-validation';

describe('requestValidator', () => {
  const validator = requestValidator(
    Type.Object({ at: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'email' })), n: Type.Integer({ default: 5 }) }),
  );

  it('knows the date-time and email formats, converts and fills defaults', () => {
    expect(validator.parse({ at: '2026-11-24T10:00:00+09:00', to: 'risk@bank.example' })).toEqual({ at: '2026-11-24T10:00:00+09:00', to: 'risk@bank.example', n: 5 });
    expect(validator.parse({ n: '7' })).toEqual({ n: 7 });
  });

  it('names each bad field', () => {
    const error = (() => {
      try {
        validator.parse({ at: 'yesterday', to: 'not an address' });
      } catch (e) {
        return e as BadRequestException;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(BadRequestException);
    const fields = (error.getResponse() as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['at', 'to']));
    expect(() => validator.parse({ at: '2026-13-45T99:00:00Z' })).toThrow(BadRequestException);
  });

  it('reports a missing required field once', () => {
    const required = requestValidator(Type.Object({ name: Type.String() }));
    try {
      required.parse({});
      throw new Error('no error');
    } catch (e) {
      expect(((e as BadRequestException).getResponse() as { errors: { field: string }[] }).errors.map((x) => x.field)).toEqual(['name']);
    }
  });

  it('refuses a value nested too deep with a 400 naming the limit, never a RangeError', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200_000; i += 1) deep = { next: deep };
    const loose = requestValidator(Type.Object({ name: Type.String(), extra: Type.Optional(Type.Unknown()) }));

    expect(() => loose.parse({ name: 'x', extra: deep })).toThrow(BadRequestException);
    try {
      loose.parse({ name: 'x', extra: deep });
    } catch (e) {
      expect((e as BadRequestException).getResponse()).toMatchObject({ title: 'JSON nested too deeply', limit: 64 });
    }
    expect(loose.parse({ name: 'x', extra: { a: [{ b: 1 }] } })).toEqual({ name: 'x', extra: { a: [{ b: 1 }] } });
  });
});
