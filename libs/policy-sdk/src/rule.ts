import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { EventType, Severity, TelemetryEvent } from '@kanshi/contracts';
import type { Duration } from './duration';
import type { ModelProfile } from './model-profile';

/**
 * Named timers of one rule for one model. A timer fires once, when the engine's clock passes
 * it, and calls the rule's `onTimer`. Setting a name again moves it.
 */
export interface RuleTimers {
  /** Fire `name` at `at` (epoch milliseconds). */
  set(name: string, at: number): void;
  /** Cancels `name`; nothing happens when it is not set. */
  clear(name: string): void;
  /** When `name` fires, or `undefined` when it is not set. */
  get(name: string): number | undefined;
}

/** What every call of a rule sees. */
export interface RuleScope<Args, State> {
  /** The model's inventory entry; `undefined` when the model is not in the inventory. */
  readonly model: ModelProfile | undefined;
  /** The tenant the event or timer belongs to. */
  readonly tenantId: string;
  /** The model the event or timer belongs to (in the inventory or not). */
  readonly modelId: string;
  /** The rule's arguments in force for this tenant and model (defaults filled in). */
  readonly args: Args;
  /**
   * The rule's memory for this tenant and model, made by `initialState()`. Change it in place;
   * the engine keeps it across events, checkpoints it with the consumer offsets and restores it
   * after a restart. Keep it plain JSON (numbers, strings, arrays, objects) and small.
   */
  readonly state: State;
  /** The rule's timers for this tenant and model, checkpointed with its state. */
  readonly timers: RuleTimers;
}

/** What a rule sees when it evaluates one event. */
export interface RuleContext<Args, State = undefined> extends RuleScope<Args, State> {
  /** The event, already checked against the telemetry contract. */
  readonly event: TelemetryEvent;
  /** The event's time (its `timestamp`) in epoch milliseconds: rules work in event time. */
  readonly time: number;
}

/** What a rule sees when one of its timers fires. */
export interface TimerContext<Args, State = undefined> extends RuleScope<Args, State> {
  /** The timer that fired: the name the rule gave it and when it was due (epoch ms). */
  readonly timer: { readonly name: string; readonly at: number };
  /** The engine's clock when the timer fired, in epoch milliseconds. */
  readonly time: number;
}

/** What a rule reports when its condition holds. The engine turns it into a finding. */
export interface RuleFinding {
  /** Optional tag; a result without `kind: 'clear'` is a finding. */
  readonly kind?: 'finding';
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
  /**
   * Names this occurrence so that replaying the same events gives the same finding (a window's
   * start, a timer's name and time). Defaults to the event id, or the timer's name and time.
   */
  readonly occurrence?: string;
  /** Ids of the events that show the finding (at most 20 are kept). Defaults to the current event. */
  readonly evidence?: readonly string[];
}

/**
 * The condition of a rule that declares `recovery` is clear for this scope: the alert may
 * auto-resolve once it has stayed clear for the recovery period.
 */
export interface RuleClear {
  /** Marks the result as a clear rather than a finding. */
  readonly kind: 'clear';
  /** The scope that is clear, as findings name it; defaults to `model`. */
  readonly scope?: string;
}

/**
 * A window closed with too few samples to judge either way (see {@link Stats.shareAtLeast}):
 * neither a finding nor a clear. The engine records it, so the model's posture shows the rule
 * as not judged rather than passing.
 */
export interface RuleInsufficient {
  /** Marks the result as "insufficient data". */
  readonly kind: 'insufficient';
  /** The scope that could not be judged, as findings name it; defaults to `model`. */
  readonly scope?: string;
  /** What was seen (how many samples, how many were needed), shaped as a finding's `observed`. */
  readonly observed: unknown;
}

/** One result of a rule: a finding (the condition holds), a clear (it no longer holds), or too little data to tell. */
export type RuleResult = RuleFinding | RuleClear | RuleInsufficient;

/** What `evaluate` and `onTimer` return: nothing when compliant, or one or more results. */
export type RuleOutcome = RuleResult | readonly RuleResult[] | undefined;

/** The window a rule counts over, for the rules reference and the engine's lateness bound. */
export interface WindowSpec {
  /** Tumbling: judged once per window. Sliding: a span judged at each bucket's close. Calendar: per calendar month or quarter. */
  readonly kind: 'tumbling' | 'sliding' | 'calendar';
  /** The span judged (a calendar month is written `30d`). */
  readonly size: Duration;
  /**
   * Samples a window needs to be judged on its own figures. With fewer, a rule judging a share
   * ({@link Stats.shareAtLeast}) still decides when the sample is conclusive and otherwise
   * reports insufficient data; other rules judge nothing.
   */
  readonly minSamples?: number;
  /** How late an event may arrive (event time behind the newest seen) and still count. */
  readonly lateness?: Duration;
}

/**
 * A window sized by the rule's arguments. Declared through a method so that, as with
 * `evaluate`, a rule with specific arguments is usable where any rule is expected.
 */
export type WindowOfArgs<Args> = { windowOf(args: Args): WindowSpec }['windowOf'];

/** When an open alert of the rule may auto-resolve. */
export interface RecoverySpec {
  /**
   * How long the condition must stay clear (event time between the first and the latest clear).
   * `'0s'` for a clear that is final, such as a report recorded as submitted: the alert resolves
   * at the first clear.
   */
  readonly clearFor: Duration;
}

/**
 * A policy rule: data plus pure functions. Tenants override the arguments, never the code.
 * Pure means: no I/O, no clock, no randomness. Time comes from the event (`time`) or the
 * engine (`onTimer`); memory lives in `state`.
 *
 * @example A stateless rule
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
 *
 * @example A windowed rule: the share of overrides, judged once per window when it closes
 * ```ts
 * import { Arg, defineRule, Evidence, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
 *
 * const plan = (a: { window: string; lateness: string }) => ({ bucket: a.window, lateness: a.lateness });
 *
 * export const overrideShare = defineRule({
 *   id: 'X2',
 *   title: 'Too many manual overrides in a window',
 *   rationale: 'Frequent overrides mean the model no longer fits the cases it sees.',
 *   source: 'Internal model policy §7',
 *   defaultSeverity: 'medium',
 *   reads: ['prediction', 'human_override'],
 *   args: Type.Object({ maxShare: Type.Number({ default: 0.1 }), ...Arg.shareWindow({ window: '1h', lateness: '5m', minSamples: 100 }, 'decisions') }),
 *   // Sized by the arguments, so a tenant's override shows in the effective policy.
 *   window: Windows.spec('tumbling'),
 *   recovery: { clearFor: '1h' },
 *   initialState: (): WindowedState => ({ window: null }),
 *   evaluate: ({ event, time, state, args, timers }) => {
 *     Windows.count(state, plan(args), time, timers, event.event_type === 'prediction' ? { decisions: 1 } : { overrides: 1 });
 *     return undefined;
 *   },
 *   onTimer: ({ timer, state, args }) => {
 *     const judged = Windows.judge(state, plan(args), timer.name);
 *     if (!judged) return undefined;
 *     const { decisions = 0, overrides = 0 } = judged.totals;
 *     // From minSamples decisions on the share decides; below, only a conclusive sample does.
 *     const verdict = Stats.shareAtMost(overrides, decisions, args.maxShare, args.minSamples);
 *     if (!verdict) return undefined;
 *     const observed = { share: verdict.share, decisions, ...Evidence.sample(verdict, args.minSamples) };
 *     if (verdict.verdict === 'insufficient') return { kind: 'insufficient', observed };
 *     return verdict.verdict === 'fail' ? { observed, occurrence: judged.occurrence } : { kind: 'clear' };
 *   },
 * });
 * ```
 */
export interface RuleDefinition<ArgsSchema extends TObject = TObject, State = unknown> {
  /** Stable id cited by alerts, evidence and docs (G1, F3 …). Never reuse or rename. */
  readonly id: string;
  /** What is wrong when the rule fires, as an alert's headline. */
  readonly title: string;
  /** Why the rule exists, in one or two sentences a risk officer can quote. */
  readonly rationale: string;
  /** The law or guideline behind the rule. */
  readonly source: string;
  /** Severity of its findings unless a finding says otherwise. */
  readonly defaultSeverity: Severity;
  /** Event types the rule reads; `'all'` for every type. The engine only calls it for these. */
  readonly reads: readonly EventType[] | 'all';
  /** Argument schema with a `default` on every property, so a rule runs without configuration. */
  readonly args: ArgsSchema;
  /**
   * The window the rule counts over, if any, for the rules reference and the effective policy
   * of a model. A function of the arguments when they size the window, so that a tenant's
   * override shows; see {@link windowSpecOf}.
   */
  readonly window?: WindowSpec | WindowOfArgs<Static<ArgsSchema>>;
  /** Declared by rules whose alerts may auto-resolve. */
  readonly recovery?: RecoverySpec;
  /**
   * Fresh memory for one tenant and model, made before its first event with the arguments then
   * in force; omit for a rule that needs none. Arguments may change later (a tenant's
   * override), so state sized by them must adapt, as {@link Windows} does.
   *
   * A rule with state judges only models in the inventory: a producer can make up any number
   * of model ids, and none of them may cost the engine memory. Stateless rules judge every
   * model, registered or not (G1 reports the unregistered ones), and may set timers only for
   * models in the inventory (`model` defined): for any other, `timers.set` throws. A model
   * registered later starts with fresh state. Keep state small: maps keyed by strings from
   * telemetry need a cap ({@link Bounded}), state nobody touched for a long time is dropped,
   * and a state record over the engine's size limit ({@link MAX_STATE_BYTES} by default) is
   * reported as the rule's failure and reset.
   */
  initialState?(args: Static<ArgsSchema>): State;
  // Method syntax on purpose: a rule with specific arguments and state is usable where any rule is expected.
  /** Judges one event. */
  evaluate(context: RuleContext<Static<ArgsSchema>, State>): RuleOutcome;
  /** Called when one of the rule's timers fires. */
  onTimer?(context: TimerContext<Static<ArgsSchema>, State>): RuleOutcome;
}

/**
 * Whether the rule judges models outside the inventory: only rules without state do, and they
 * may not set timers for such a model (see {@link RuleDefinition.initialState}).
 *
 * @example
 * ```ts
 * judgesModelsOutsideInventory(g1ModelNotInInventory); // true: stateless
 * judgesModelsOutsideInventory(f3ExplanationCoverage); // false: windowed, with state
 * ```
 */
export function judgesModelsOutsideInventory(rule: RuleDefinition): boolean {
  return rule.initialState === undefined;
}

/**
 * The window a rule declares, for the given arguments (its defaults when `args` is omitted).
 *
 * @example
 * ```ts
 * windowSpecOf(f3ExplanationCoverage, { window: '2h' }); // { kind: 'tumbling', size: '2h', … }
 * ```
 */
export function windowSpecOf(rule: RuleDefinition, args?: Readonly<Record<string, unknown>>): WindowSpec | undefined {
  if (typeof rule.window !== 'function') return rule.window;
  return rule.window({ ...(Value.Default(rule.args, {}) as Record<string, unknown>), ...(args ?? {}) });
}

/**
 * Declares a rule with its argument and state types inferred, and freezes it.
 * See {@link RuleDefinition} for a windowed rule.
 *
 * @example
 * ```ts
 * export const unlabelled = defineRule({
 *   id: 'X4',
 *   title: 'Generated output without a label',
 *   rationale: 'Users must be told when content was generated.',
 *   source: 'AI Guidelines for Business, transparency',
 *   defaultSeverity: 'low',
 *   reads: ['prediction'],
 *   args: Type.Object({}),
 *   evaluate: ({ event }) => (event.payload['generated'] === true && event.payload['labelled'] !== true ? { observed: { labelled: false } } : undefined),
 * });
 * ```
 */
export function defineRule<ArgsSchema extends TObject, State = undefined>(
  definition: RuleDefinition<ArgsSchema, State>,
): RuleDefinition<ArgsSchema, State> {
  return Object.freeze(definition);
}
