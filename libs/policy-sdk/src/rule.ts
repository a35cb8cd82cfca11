import type { Static, TObject } from '@sinclair/typebox';
import type { EventType, Severity, TelemetryEvent } from '@kanshi/contracts';
import type { ModelProfile } from './model-profile';

/** What a rule sees when it evaluates one event. */
export interface RuleContext<Args> {
  readonly event: TelemetryEvent;
  /** The model's inventory entry; `undefined` when the model is not in the inventory. */
  readonly model: ModelProfile | undefined;
  /** The rule's arguments in force for this tenant and model (defaults filled in). */
  readonly args: Args;
}

/** What a rule reports when its condition holds. The engine turns it into a finding. */
export interface RuleResult {
  /**
   * What inside the model the finding is about (a feature, a segment). Findings with the same
   * rule and scope group into one alert. Defaults to `model`.
   */
  readonly scope?: string;
  /** The observed value that broke the rule, shown in the alert next to the arguments. */
  readonly observed: unknown;
  /** Overrides the rule's default severity for this finding. */
  readonly severity?: Severity;
  /** Regulatory deadline for clock rules. */
  readonly dueAt?: Date;
}

/**
 * A policy rule: data plus a pure function. Tenants override the arguments, never the code.
 *
 * @example
 * ```ts
 * import { defineRule, Type } from '@kanshi/policy-sdk';
 *
 * export const highScore = defineRule({
 *   id: 'X1',
 *   title: 'Score above the approved maximum',
 *   rationale: 'Scores above the validated range were never reviewed.',
 *   source: 'Internal model policy §4',
 *   defaultSeverity: 'medium',
 *   reads: ['prediction'],
 *   args: Type.Object({ maxScore: Type.Number({ default: 0.99 }) }),
 *   evaluate: ({ event, args }) => {
 *     const score = event.payload['score'];
 *     return typeof score === 'number' && score > args.maxScore ? { observed: score } : undefined;
 *   },
 * });
 * ```
 */
export interface RuleDefinition<ArgsSchema extends TObject = TObject> {
  /** Stable id cited by alerts, evidence and docs (G1, F3 …). Never reuse or rename. */
  readonly id: string;
  readonly title: string;
  /** Why the rule exists, in one or two sentences a risk officer can quote. */
  readonly rationale: string;
  /** The law or guideline behind the rule. */
  readonly source: string;
  readonly defaultSeverity: Severity;
  /** Event types the rule reads; `'all'` for every type. The engine only calls it for these. */
  readonly reads: readonly EventType[] | 'all';
  /** Argument schema with a `default` on every property, so a rule runs without configuration. */
  readonly args: ArgsSchema;
  /** Pure: no I/O, no clock, no randomness. Return nothing when the event is compliant. */
  // Method syntax on purpose: a rule with specific arguments is usable where any rule is expected.
  evaluate(context: RuleContext<Static<ArgsSchema>>): RuleResult | readonly RuleResult[] | undefined;
}

/**
 * Declares a rule with its argument types inferred from the schema.
 * See {@link RuleDefinition} for an example.
 */
export function defineRule<ArgsSchema extends TObject>(definition: RuleDefinition<ArgsSchema>): RuleDefinition<ArgsSchema> {
  return Object.freeze(definition);
}
