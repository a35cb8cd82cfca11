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
