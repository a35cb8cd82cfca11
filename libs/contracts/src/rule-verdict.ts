/**
 * What a windowed rule last decided for a model and scope, as the engine records it and the
 * model's posture reads it: `fail` (a finding), `pass` (a clear), or `insufficient` (a window
 * with too few samples to judge, which is never counted as passing).
 */
export interface RuleVerdict {
  readonly tenantId: string;
  readonly modelId: string;
  readonly ruleId: string;
  readonly scope: string;
  readonly verdict: 'pass' | 'fail' | 'insufficient';
  /** The finding's or the insufficient window's `observed`; `null` for a pass. */
  readonly observed: unknown;
  /** When it was judged (the event's or the timer's time), ISO 8601. */
  readonly judgedAt: string;
}

/** What a verdict is kept under: one per tenant, model, rule and scope. */
export function ruleVerdictKey(verdict: RuleVerdict): string {
  return JSON.stringify([verdict.tenantId, verdict.modelId, verdict.ruleId, verdict.scope]);
}

/**
 * Adds `verdict` to `latest` (by {@link ruleVerdictKey}) unless a newer verdict of the same key
 * is there: what every writer keeps, since one statement may write a key once.
 */
export function keepLatestVerdict(latest: Map<string, RuleVerdict>, verdict: RuleVerdict): void {
  const key = ruleVerdictKey(verdict);
  const seen = latest.get(key);
  if (seen === undefined || seen.judgedAt <= verdict.judgedAt) latest.set(key, verdict);
}
