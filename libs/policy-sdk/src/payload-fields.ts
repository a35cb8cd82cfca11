import { Type } from '@sinclair/typebox';
import type { Duration } from './duration';

type Payload = Readonly<Record<string, unknown>>;

/**
 * Safe readers of payload fields. Events were checked against the contract, but optional and
 * extra fields may be absent or of an odd type; every reader answers `undefined` (or `[]`)
 * instead of throwing.
 *
 * @example
 * ```ts
 * const decision = Field.text(event.payload, 'decision');   // trimmed, non-empty, or undefined
 * const n = Field.number(event.payload, 'n');
 * const aware = Field.time(event.payload, 'awareness_time'); // epoch ms
 * ```
 */
export const Field = {
  /** A non-empty string field, trimmed. */
  text: (payload: Payload, key: string): string | undefined => {
    const value = payload[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  },

  /** The non-empty strings of an array field, trimmed; empty when absent or not an array. */
  texts: (payload: Payload, key: string): string[] => {
    const value = payload[key];
    if (!Array.isArray(value)) return [];
    return value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
  },

  /** A finite number field. */
  number: (payload: Payload, key: string): number | undefined => {
    const value = payload[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  },

  /** An RFC 3339 time field, as epoch milliseconds. */
  time: (payload: Payload, key: string): number | undefined => {
    const value = Field.text(payload, key);
    const time = value === undefined ? NaN : Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  },

  /**
   * The regulatory report clocks an `incident` reports in `report_clocks`, each with its
   * regulator in upper case and its kind in lower case (entries without both are skipped), the
   * due time and the submission time as epoch ms when given and parsable.
   */
  reportClocks: (payload: Payload): ReportClockField[] => {
    const value = payload['report_clocks'];
    if (!Array.isArray(value)) return [];
    const clocks: ReportClockField[] = [];
    for (const entry of value as unknown[]) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
      const fields = entry as Payload;
      const regulator = Field.text(fields, 'regulator');
      const kind = Field.text(fields, 'kind');
      if (regulator === undefined || kind === undefined) continue;
      clocks.push({ regulator: regulator.toUpperCase(), kind: kind.toLowerCase(), due: Field.time(fields, 'due_time'), submitted: Field.time(fields, 'submitted_time') });
    }
    return clocks;
  },
};

/** One entry of an incident's `report_clocks`, as {@link Field.reportClocks} reads it. */
export interface ReportClockField {
  /** The regulator, upper case (`PPC`, `PMDA`, `FSA`). */
  readonly regulator: string;
  /** The kind of report, lower case (`preliminary`, `final`, `malfunction_15d`). */
  readonly kind: string;
  /** When the report is due, epoch ms; `undefined` when absent or not a time. */
  readonly due: number | undefined;
  /** When it was submitted, epoch ms; `undefined` while it is not. */
  readonly submitted: number | undefined;
}

function durationArg(defaultValue: Duration, description: string) {
  return Type.String({ default: defaultValue, pattern: '^[0-9]+(ms|s|m|h|d)$', description });
}

/** `period` names what is judged in the description: a window, a day, a month. */
function latenessArg(defaultValue: Duration, counted = 'events', period = 'window') {
  return durationArg(defaultValue, `How long after a ${period} ends late ${counted} still count; the ${period} is judged after that.`);
}

function minSamplesArg(defaultValue: number, counted = 'events', period = 'window') {
  return Type.Integer({ default: defaultValue, minimum: 1, description: `Fewest ${counted} in a ${period} before it is judged; fewer is no finding and no clear.` });
}

/** `minSamples` of a rule judging a share: see {@link Arg.shareWindow}. */
function shareSamplesArg(defaultValue: number, counted = 'events', period = 'window') {
  return Type.Integer({
    default: defaultValue,
    minimum: 1,
    description:
      `${counted[0]?.toUpperCase() ?? ''}${counted.slice(1)} in a ${period} for the share itself to decide; with fewer, only a sample ` +
      'conclusive at 95 % (Wilson bound) fires or clears, and any other closes the window as insufficient data.',
  });
}

/**
 * Argument schemas rules share, each with its default and description.
 *
 * @example
 * ```ts
 * args: Type.Object({ window: Arg.duration('1h', 'Window judged.'), adverse: Arg.names(['decline'], 'Adverse decisions.') })
 * ```
 */
export const Arg = {
  /** A duration (`'24h'`, `'7d'`); the pattern makes a malformed override a 400, so `durationMs` never throws on it. */
  duration: durationArg,

  /** The `lateness` argument of a windowed rule. */
  lateness: latenessArg,

  /** A minimum-sample argument: fewer samples is "not enough data", neither a finding nor a clear. */
  minSamples: minSamplesArg,

  /**
   * The `window`, `lateness` and `minSamples` arguments of a windowed rule, described alike for
   * every rule; spread them into the rule's `args`. `windowDescription` replaces the tumbling
   * window's description (say how a sliding window is judged).
   *
   * @example
   * ```ts
   * args: Type.Object({ maxShare: Type.Number({ default: 0.1 }), ...Arg.window({ window: '1h', lateness: '15m', minSamples: 100 }, 'decisions') })
   * ```
   */
  window: (
    defaults: { window: Duration; lateness: Duration; minSamples: number },
    counted = 'events',
    windowDescription = 'Tumbling window the check covers, judged once when it closes.',
  ) => {
    return {
      window: durationArg(defaults.window, windowDescription),
      lateness: latenessArg(defaults.lateness, counted),
      minSamples: minSamplesArg(defaults.minSamples, counted),
    };
  },

  /**
   * The window arguments of a rule that judges a share with {@link Stats.shareAtLeast} or
   * {@link Stats.shareAtMost}: as {@link Arg.window}, but `minSamples` is described as what it
   * means there (below it, only a conclusive sample decides, else the window is insufficient data).
   *
   * @example
   * ```ts
   * args: Type.Object({ minShare: Type.Number({ default: 0.99 }), ...Arg.shareWindow({ window: '1h', lateness: '5m', minSamples: 100 }, 'decisions') })
   * ```
   */
  shareWindow: (defaults: { window: Duration; lateness: Duration; minSamples: number }, counted = 'events', windowDescription?: string) => ({
    ...Arg.window(defaults, counted, windowDescription),
    minSamples: shareSamplesArg(defaults.minSamples, counted),
  }),

  /** A list of names (decisions, roles, categories). */
  names: (defaultValue: readonly string[], description: string) => {
    return Type.Array(Type.String({ minLength: 1 }), { default: [...defaultValue], description });
  },
};
