import type { ValidationIssue } from '@kanshi/contracts';
import { ANSWER_LIMITS, answerBytesBound, IssueBudget, shownEventId, shownIssue } from './intake-answer';

const issue = (i: number): ValidationIssue => ({ pointer: `/payload/subject_pseudo_ids/${i}`, rule: 'minLength', message: 'must NOT have fewer than 1 characters', expected: 1 });

describe('IssueBudget', () => {
  it('lists the first issues of an event and counts the rest', () => {
    const listed = new IssueBudget().list(Array.from({ length: 300 }, (_, i) => issue(i)));
    expect(listed.errors).toEqual([0, 1, 2, 3, 4].map(issue));
    expect(listed.omitted).toBe(295);
    expect(new IssueBudget().list([issue(0)])).toEqual({ errors: [issue(0)], omitted: 0 });
  });

  it('lists only each event’s first issue once the answer’s budget is spent', () => {
    const budget = new IssueBudget();
    const issues = Array.from({ length: 10 }, (_, i) => issue(i));
    const extraBytes = Buffer.byteLength(JSON.stringify(issue(1))) + 1;
    const fullEvents = Math.floor(ANSWER_LIMITS.extraIssueBytes / (extraBytes * (ANSWER_LIMITS.issuesPerEvent - 1)));
    for (let i = 0; i < fullEvents; i += 1) expect(budget.list(issues).errors).toHaveLength(ANSWER_LIMITS.issuesPerEvent);
    const partial = budget.list(issues);
    expect(partial.errors.length).toBeLessThan(ANSWER_LIMITS.issuesPerEvent);
    expect(budget.list(issues)).toEqual({ errors: [issue(0)], omitted: 9 });
  });
});

describe('shownIssue and shownEventId', () => {
  it('cut long pointers and messages, leave out a large `expected`, and never split a character', () => {
    const long = `/payload/restricted_attributes/${'鍵'.repeat(10_000)}`;
    const shown = shownIssue({ pointer: long, rule: 'type', message: 'x'.repeat(5000), expected: Array.from({ length: 500 }, (_, i) => `value-${i}`) });
    expect(shown.pointer).toHaveLength(ANSWER_LIMITS.pointerChars);
    expect(shown.pointer.endsWith('…')).toBe(true);
    expect(shown.message).toHaveLength(ANSWER_LIMITS.messageChars);
    expect(shown).not.toHaveProperty('expected');
    const emoji = shownIssue({ pointer: `/a${'😀'.repeat(200)}`, rule: 'type', message: 'm' });
    expect(Buffer.from(emoji.pointer, 'utf8').toString('utf8')).toBe(emoji.pointer);
    expect(emoji.pointer).not.toMatch(/[\uD800-\uDBFF]…$/);
  });

  it('echo an event_id the contract allows, and null otherwise', () => {
    expect(shownEventId({ event_id: 'e-1' })).toBe('e-1');
    expect(shownEventId({ event_id: 'x'.repeat(129) })).toBeNull();
    expect(shownEventId({ event_id: 7 })).toBeNull();
    expect(shownEventId([{ event_id: 'e' }])).toBeNull();
    expect(shownEventId(null)).toBeNull();
  });

  it('keep the worst fate an event can have under the bound per event', () => {
    const control = '\u0001'.repeat(10_000);
    const [first] = new IssueBudget().list([{ pointer: `/${control}`, rule: 'nul', message: control, expected: control.slice(0, 40) }]).errors;
    const fate = { index: 99_999, event_id: shownEventId({ event_id: control.slice(0, 128) }), status: 'rejected', errors: [first], errors_omitted: 9_999_999 };
    expect(Buffer.byteLength(JSON.stringify(fate))).toBeLessThanOrEqual(ANSWER_LIMITS.fateBytes);
    expect(answerBytesBound(1000)).toBe(ANSWER_LIMITS.extraIssueBytes + 1000 * ANSWER_LIMITS.fateBytes);
  });
});
