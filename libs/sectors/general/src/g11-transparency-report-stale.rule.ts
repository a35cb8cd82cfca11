import { Arg, DAY_MS, defineRule, durationMs, Field, Type } from '@kanshi/policy-sdk';
import { iso } from './general-rule-support';

const args = Type.Object({
  participates: Type.Boolean({ default: false, description: 'The organisation takes part in the G7 Hiroshima Process reporting framework (voluntary); the rule judges only then.' }),
  maxAge: Arg.duration('365d', 'Longest time since the latest transparency report was published.'),
});

interface TransparencyState {
  /** Publication time of the latest transparency report seen, or `null`. */
  lastPublished: number | null;
  version: string | null;
  /** First telemetry seen for the model: the clock when no report was ever published. */
  firstSeen: number | null;
  /** The `since` time last reported stale, so one staleness is reported once. */
  reportedSince: number | null;
}

const TIMER = 'stale';

/**
 * G11: the yearly transparency report. Tracks the newest `disclosure` of kind
 * `transparency_report` (its `published_time`, else the event time) and raises a finding when
 * `maxAge` passes without a newer one. Until a first report is seen the clock runs from the
 * model's first telemetry, which is why the rule reads every event type. Judges only when the
 * tenant sets `participates` (the reporting framework is voluntary).
 */
export const g11TransparencyReportStale = defineRule({
  id: 'G11',
  title: 'Transparency report older than twelve months',
  rationale:
    'Organisations that take part in the Hiroshima Process reporting framework publish a transparency report ' +
    'every year; a report older than that no longer describes the AI systems in use.',
  source: 'G7 Hiroshima AI Process reporting framework (voluntary, yearly); AI Guidelines for Business v1.1 (transparency)',
  defaultSeverity: 'low',
  reads: 'all',
  args,
  recovery: { clearFor: '1h' },
  initialState: (): TransparencyState => ({ lastPublished: null, version: null, firstSeen: null, reportedSince: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const maxAgeMs = durationMs(a.maxAge);
    state.firstSeen ??= time;
    if (event.event_type === 'disclosure' && event.payload['kind'] === 'transparency_report') {
      const published = Field.time(event.payload, 'published_time') ?? time;
      // An older report arriving late does not replace the newest one.
      if (state.lastPublished !== null && published < state.lastPublished) return undefined;
      state.lastPublished = published;
      state.version = Field.text(event.payload, 'version') ?? null;
      if (!a.participates) return undefined;
      timers.set(TIMER, published + maxAgeMs);
      // A fresh report ends a staleness that was reported.
      if (published + maxAgeMs <= time || state.reportedSince === null) return undefined;
      state.reportedSince = null;
      return { kind: 'clear' };
    }
    // Arms the clock when the tenant starts participating, or for a model without any report yet.
    const since = state.lastPublished ?? state.firstSeen;
    if (a.participates && timers.get(TIMER) === undefined && state.reportedSince !== since) timers.set(TIMER, since + maxAgeMs);
    return undefined;
  },
  onTimer: ({ timer, state, timers, args: a }) => {
    if (timer.name !== TIMER || !a.participates) return undefined;
    const since = state.lastPublished ?? state.firstSeen;
    if (since === null) return undefined;
    const due = since + durationMs(a.maxAge);
    // The tenant may have lengthened maxAge since the timer was set.
    if (due > timer.at) {
      timers.set(TIMER, due);
      return undefined;
    }
    if (state.reportedSince === since) return undefined;
    state.reportedSince = since;
    return {
      occurrence: `stale@${iso(since)}`,
      dueAt: new Date(due),
      observed: {
        last_published: state.lastPublished === null ? null : iso(state.lastPublished),
        version: state.version,
        age_days: Math.floor((timer.at - since) / DAY_MS),
        ...(state.lastPublished === null ? { no_report_since: iso(since) } : {}),
      },
    };
  },
});
