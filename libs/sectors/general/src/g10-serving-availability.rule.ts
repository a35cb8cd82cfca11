import { Arg, Bounded, Calendar, defineRule, durationMs, Evidence, Field, Stats, Type, Windows, type Duration, type RuleResult } from '@kanshi/policy-sdk';
import { iso } from './general-rule-support';

const args = Type.Object({
  slo: Type.Number({ default: 0.995, minimum: 0, maximum: 1, description: 'Serving availability objective per calendar month, as a fraction.' }),
  availabilityMetric: Type.String({ default: 'availability', minLength: 1, description: 'performance_metric name whose value is the share of requests served (0–1), weighted by n when given.' }),
  fallbackMetric: Type.String({ default: 'fallback_active', minLength: 1, description: 'performance_metric name whose value is 1 while requests are served by the fallback, 0 when back.' }),
  utcOffsetMinutes: Type.Integer({ default: 540, minimum: -720, maximum: 840, description: 'Offset from UTC of the calendar the month is counted in (540 = JST).' }),
  lateness: Arg.lateness('1d', 'availability reports', 'month'),
  minSamples: Arg.minSamples(1, 'availability reports', 'month'),
  // A month is judged a day (the lateness) after it ends, so two or three are open in practice;
  // more come only from event times scattered over the years.
  maxOpenMonths: Type.Integer({
    default: 24,
    minimum: 2,
    maximum: 120,
    description: 'Most months tallied at once, awaiting their judgement; reports for a further month are not counted, which the rule reports once a day (scope state-limit).',
  }),
});

interface MonthTally {
  served: number;
  weight: number;
  reports: number;
}

interface AvailabilityState {
  /** Tallies by month start (epoch ms, as a string key). */
  months: Record<string, MonthTally>;
  /** Months before this time were judged: later reports for them are ignored. */
  closedUntil: number;
  /** When the fallback became active, or `null` while the primary model serves. */
  fallbackSince: number | null;
}

/**
 * G10: the model must stay available, or fail over visibly. Telemetry: `performance_metric`
 * events named by `availabilityMetric` carry the share of requests served (0–1) over the
 * producer's reporting interval, weighted by `n` (requests) when given, else 1; values outside
 * 0–1 are skipped. Each calendar month is judged once when it closes (scope `availability`).
 * Events named by `fallbackMetric` with a value above 0 mean the fallback is serving: reported
 * once when it becomes active, cleared when a value of 0 arrives (scope `fallback`). At most
 * `maxOpenMonths` months are tallied at once; a report for a further one is not counted and the
 * rule says so (scope `state-limit`).
 */
export const g10ServingAvailability = defineRule({
  id: 'G10',
  title: 'Serving availability under the SLO, or fallback active',
  rationale:
    'A model that is often unavailable, or that has fallen back to a substitute, no longer delivers the service ' +
    'it was approved for; continuity is one of the duties the Appropriateness Guideline names.',
  source: 'Appropriateness Guideline (Dec 2025): continuity; AI Guidelines for Business v1.1 (safety)',
  defaultSeverity: 'medium',
  reads: ['performance_metric'],
  args,
  // A calendar month, not a fixed duration; 30d stands for it in the reference.
  window: (a) => ({ kind: 'calendar', size: '30d', minSamples: a.minSamples, lateness: a.lateness as Duration }),
  recovery: { clearFor: '1h' },
  initialState: (): AvailabilityState => ({ months: {}, closedUntil: 0, fallbackSince: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const metric = Field.text(event.payload, 'metric');
    const value = Field.number(event.payload, 'value');
    if (value === undefined) return undefined;
    if (metric === a.fallbackMetric) {
      if (value > 0 && state.fallbackSince === null) {
        state.fallbackSince = time;
        return { scope: 'fallback', occurrence: `fallback@${iso(time)}`, observed: { fallback_active: true, since: iso(time) } };
      }
      if (value <= 0 && state.fallbackSince !== null) {
        state.fallbackSince = null;
        return { kind: 'clear', scope: 'fallback' };
      }
      return undefined;
    }
    if (metric !== a.availabilityMetric || value < 0 || value > 1 || time < state.closedUntil) return undefined;
    const n = Field.number(event.payload, 'n');
    const weight = n ?? 1;
    if (weight <= 0) return undefined;
    const { start, end } = Calendar.month(time, a.utcOffsetMinutes);
    const tally = Bounded.get(state.months, String(start)) ?? { served: 0, weight: 0, reports: 0 };
    if (!Bounded.set(state.months, String(start), tally, { max: a.maxOpenMonths }).kept) {
      return Bounded.limitFinding('months awaiting judgement', a.maxOpenMonths, time, { month_start: iso(start) });
    }
    tally.served += value * weight;
    tally.weight += weight;
    tally.reports += 1;
    timers.set(Windows.closeTimer(start), end + durationMs(a.lateness));
    return undefined;
  },
  onTimer: ({ timer, state, args: a }) => {
    const start = Windows.closing(timer.name)?.bucketStart;
    if (start === undefined) return undefined;
    const tally = Bounded.get(state.months, String(start));
    Bounded.delete(state.months, String(start));
    const { end } = Calendar.month(start, a.utcOffsetMinutes);
    state.closedUntil = Math.max(state.closedUntil, end);
    if (!tally || tally.reports < a.minSamples) return undefined;
    const availability = tally.served / tally.weight;
    const result: RuleResult = Stats.below(availability, a.slo)
      ? {
          scope: 'availability',
          occurrence: iso(start),
          observed: { availability: Evidence.rounded(availability), reports: tally.reports, weight: tally.weight, month_start: iso(start), month_end: iso(end) },
        }
      : { kind: 'clear', scope: 'availability' };
    return result;
  },
});
