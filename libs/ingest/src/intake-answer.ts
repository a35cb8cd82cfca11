import type { ValidationIssue } from '@kanshi/contracts';

/**
 * How much of a rejected event's issues the gateway's answer lists. A 1 MB body of broken events
 * can hold hundreds of thousands of issues; listing them all made answers twenty times larger
 * than the request. The first issue of every event is always listed, so each event keeps a reason.
 */
export const ANSWER_LIMITS = {
  /** Issues listed per rejected event; `errors_omitted` counts the rest. */
  issuesPerEvent: 5,
  /** Bytes (as JSON) of the issues after each event's first, in one whole answer. */
  extraIssueBytes: 256 * 1024,
  /** Characters of a JSON pointer or an `event_id` shown; a longer pointer is cut and ends in `…`. */
  pointerChars: 128,
  /** Characters of an issue's message shown. */
  messageChars: 256,
  /** An issue's `expected` is left out when its JSON is longer than this. */
  expectedBytes: 256,
  /** Bytes one event's fate takes at most (its first issue included): the answer's bound per event. */
  fateBytes: 4096,
} as const;

/** Longest `event_id` the contract allows; a longer one is not echoed (its own issue says why). */
const MAX_EVENT_ID_CHARS = 128;

/** The most bytes an answer about `events` events can take: the shared budget, then each event's fate. */
export function answerBytesBound(events: number): number {
  return ANSWER_LIMITS.extraIssueBytes + ANSWER_LIMITS.fateBytes * events;
}

/** `text` cut to `max` characters (ending in `…`), never splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** An issue as the answer shows it: pointer and message cut, an oversized `expected` left out. */
export function shownIssue(issue: ValidationIssue): ValidationIssue {
  const shown = { pointer: cut(issue.pointer, ANSWER_LIMITS.pointerChars), rule: cut(issue.rule, 64), message: cut(issue.message, ANSWER_LIMITS.messageChars) };
  if (issue.expected === undefined) return shown;
  const expected = JSON.stringify(issue.expected) as string | undefined;
  return expected !== undefined && Buffer.byteLength(expected) <= ANSWER_LIMITS.expectedBytes ? { ...shown, expected: issue.expected } : shown;
}

/** The `event_id` the answer echoes: the event's own when it is a string the contract allows, else `null`. */
export function shownEventId(item: unknown): string | null {
  const id = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>)['event_id'] : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_EVENT_ID_CHARS ? id : null;
}

/** The issues one rejected event lists, and how many it leaves out. */
export interface ListedIssues {
  readonly errors: readonly ValidationIssue[];
  /** Issues not listed; 0 when all are. */
  readonly omitted: number;
}

/**
 * Decides which issues each rejected event of one answer lists: the first always, then up to
 * {@link ANSWER_LIMITS.issuesPerEvent} in all while the answer's shared budget lasts. Once an
 * issue does not fit, the budget is spent and later events list their first issue only.
 */
export class IssueBudget {
  private left: number = ANSWER_LIMITS.extraIssueBytes;

  list(issues: readonly ValidationIssue[]): ListedIssues {
    const errors: ValidationIssue[] = [];
    for (const issue of issues) {
      if (errors.length === ANSWER_LIMITS.issuesPerEvent) break;
      const shown = shownIssue(issue);
      if (errors.length > 0) {
        // The comma before it included.
        const bytes = Buffer.byteLength(JSON.stringify(shown)) + 1;
        if (bytes > this.left) {
          this.left = 0;
          break;
        }
        this.left -= bytes;
      }
      errors.push(shown);
    }
    return { errors, omitted: issues.length - errors.length };
  }
}
