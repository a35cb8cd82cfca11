import { Bounded, defineRule, durationMs, HOUR_MS, Type, type RuleFinding } from '@kanshi/policy-sdk';
import { APPI, BREACH_ARGS, breachOf, dueNowOrLater, DurationArg, firstTime, iso, NamesArg, reportClockOf, scopeOf } from './privacy-rule-support';

/** A breach being watched, kept until its preliminary report is submitted. */
interface WatchedBreach {
  awareness: number;
  triggers: string[];
  recordsAffected: number | null;
  reportedDue: string | null;
}

interface State {
  breaches: Record<string, WatchedBreach>;
  /** `<stage>:<incident>` of the stages already reported, so an update never repeats one. */
  fired: string[];
}

const STAGES = ['high', 'critical'] as const;
type Stage = (typeof STAGES)[number];

/**
 * P8: a personal-data breach that meets an APPI reporting trigger (sensitive data, risk of
 * financial loss, improper purpose, or more than 1,000 people — `records_affected` above the
 * threshold counts even when `appi_triggers` omits it) and still has no preliminary report to
 * the PPC: high once 72 hours have passed since `awareness_time`, critical after 5 days. The
 * timers (one per stage and incident) start at awareness; an incident update whose
 * `report_clocks` hold a PPC preliminary clock with a `submitted_time` cancels them and clears
 * the incident's alert. `dueAt` is awareness + 5 days. An update arriving after a deadline
 * reports at once, with the occurrence the timer would have had. One scope per incident. At
 * most `maxBreaches` breaches are watched per model; a further one is not, and the rule says so
 * (scope `state-limit`).
 */
export const p8BreachWithoutPreliminaryReport = defineRule({
  id: 'P8',
  title: 'Reportable breach without a preliminary report to the PPC',
  rationale:
    'A breach that meets an APPI trigger must be reported to the Personal Information Protection Commission ' +
    'promptly (preliminary report in about 3–5 days from awareness), then in full within 30 days.',
  source: `${APPI} Art. 26 and Enforcement Rules Art. 7–8 (breach reports to the PPC)`,
  defaultSeverity: 'high',
  reads: ['incident'],
  args: Type.Object({
    ...BREACH_ARGS,
    highAfter: DurationArg('72h', 'Time from awareness after which a missing preliminary report is high.'),
    criticalAfter: DurationArg('5d', 'Time from awareness after which a missing preliminary report is critical.'),
    preliminaryDue: DurationArg('5d', 'Deadline of the preliminary report from awareness (the finding’s dueAt).'),
    preliminaryKinds: NamesArg(['preliminary'], 'report_clocks kind values of the preliminary report (lower case).'),
    maxBreaches: Type.Integer({
      default: 500,
      minimum: 1,
      maximum: 5000,
      description: 'Most breaches awaiting their preliminary report watched per model; a further one is not, which the rule reports once a day (scope state-limit).',
    }),
  }),
  // The clear is final (a report submitted, an entry completed): the alert resolves at once.
  recovery: { clearFor: '0s' },
  initialState: (): State => ({ breaches: {}, fired: [] }),
  evaluate: ({ event, args, state, timers, time }) => {
    const { payload } = event;
    const reported = breachOf(payload, args);
    if (reported === undefined) return undefined;
    const { id, awareness, triggers, recordsAffected: records } = reported;
    const scope = scopeOf('incident', id);
    const clock = reportClockOf(payload, args.regulators, args.preliminaryKinds);
    const watched = Bounded.has(state.breaches, id) || STAGES.some((stage) => state.fired.includes(`${stage}:${id}`));
    if (clock.submitted || triggers.length === 0) {
      for (const stage of STAGES) timers.clear(`${stage}:${id}`);
      Bounded.delete(state.breaches, id);
      return watched ? { kind: 'clear', scope } : undefined;
    }
    const breach: WatchedBreach = { awareness, triggers, recordsAffected: records, reportedDue: clock.due === undefined ? null : iso(clock.due) };
    if (!Bounded.set(state.breaches, id, breach, { max: args.maxBreaches }).kept) {
      return Bounded.limitFinding('breaches awaiting a preliminary report', args.maxBreaches, time, { incident_id: id });
    }
    const findings: RuleFinding[] = [];
    for (const stage of STAGES) {
      if (state.fired.includes(`${stage}:${id}`)) continue;
      const at = awareness + durationMs(stage === 'high' ? args.highAfter : args.criticalAfter);
      if (dueNowOrLater(timers, `${stage}:${id}`, at, time)) findings.push(stageFinding(state, id, stage, at, args.preliminaryDue));
    }
    // Only the most severe stage already passed is worth reporting at once.
    return findings.length > 0 ? findings[findings.length - 1] : undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const [stage, ...rest] = timer.name.split(':');
    const id = rest.join(':');
    if ((stage !== 'high' && stage !== 'critical') || !Bounded.has(state.breaches, id)) return undefined;
    return stageFinding(state, id, stage, timer.at, args.preliminaryDue);
  },
});

function stageFinding(state: State, id: string, stage: Stage, at: number, preliminaryDue: string): RuleFinding {
  const breach = Bounded.get(state.breaches, id) as WatchedBreach;
  firstTime(state.fired, `${stage}:${id}`);
  const dueAt = new Date(breach.awareness + durationMs(preliminaryDue));
  return {
    scope: scopeOf('incident', id),
    severity: stage,
    dueAt,
    occurrence: `${stage}:${id}@${iso(at)}`,
    observed: {
      incident_id: id,
      stage,
      triggers: breach.triggers,
      records_affected: breach.recordsAffected,
      awareness_time: iso(breach.awareness),
      hours_since_awareness: (at - breach.awareness) / HOUR_MS,
      preliminary_due: dueAt.toISOString(),
      reported_due_time: breach.reportedDue,
    },
  };
}
