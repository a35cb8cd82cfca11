import { BadRequestException } from '@nestjs/common';
import { exceedsJsonDepth, MAX_JSON_DEPTH, tooDeepProblem } from './json-depth';

/** `levels` objects or arrays inside each other, built without recursion. */
function nested(levels: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i += 1) value = kind === 'object' ? { a: value } : [value];
  return value;
}

describe('exceedsJsonDepth', () => {
  it('counts each object or array as one level', () => {
    expect(exceedsJsonDepth(1, 0)).toBe(false);
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({}, 0)).toBe(true);
    expect(exceedsJsonDepth(nested(3, 'object'), 3)).toBe(false);
    expect(exceedsJsonDepth(nested(3, 'object'), 2)).toBe(true);
    expect(exceedsJsonDepth({ wide: [1, 2, { b: [] }], other: { c: null } }, 4)).toBe(false);
    expect(exceedsJsonDepth({ wide: [1, 2, { b: [] }], other: { c: null } }, 3)).toBe(true);
  });

  it('finds a deep branch after shallow siblings', () => {
    const value = { first: Array.from({ length: 1000 }, () => ({ x: 1 })), last: nested(MAX_JSON_DEPTH, 'array') };
    expect(exceedsJsonDepth(value, MAX_JSON_DEPTH)).toBe(true);
    expect(exceedsJsonDepth(value, MAX_JSON_DEPTH + 1)).toBe(false);
  });

  it('handles a million levels of objects or arrays without recursion', () => {
    expect(exceedsJsonDepth(nested(1_000_000, 'object'), MAX_JSON_DEPTH)).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('tooDeepProblem', () => {
  it('is a 400 naming the limit', () => {
    const problem = tooDeepProblem(64);
    expect(problem).toBeInstanceOf(BadRequestException);
    expect(problem.getResponse()).toMatchObject({ title: 'JSON nested too deeply', limit: 64 });
    expect((problem.getResponse() as { message: string }).message).toContain('the limit is 64');
  });
});
