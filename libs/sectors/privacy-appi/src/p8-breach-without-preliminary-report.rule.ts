import { Bounded, defineRule, durationMs, HOUR_MS, Type, type RuleFinding } from '@kanshi/policy-sdk';
import { APPI, dueNowOrLater, DurationArg, firstTime, iso, NamesArg, num, type Payload, scopeOf, text, texts, timeOf } from './privacy-rule-support';

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

/** The PPC preliminary report clock of an incident: its due time, and whether it was submitted. */
function preliminaryClock(payload: Payload, regulators: readonly string[], kinds: readonly string[]) {
  const clocks = Array.isArray(payload['report_clocks']) ? (payload['report_clocks'] as unknown[]) : [];
  let due: string | null = null;
  for (const clock of clocks) {
    if (typeof clock !== 'object' || clock === null) continue;
    const fields = clock as Payload;
    const regulator = text(fields, 'regulator')?.toUpperCase();
    const kind = text(fields, 'kind')?.toLowerCase();
    if (regulator === undefined || kind === undefined || !regulators.includes(regulator) || !kinds.includes(kind)) continue;
    if (timeOf(fields, 'submitted_time') !== undefined) return { submitted: true, due: text(fields, 'due_time') ?? null };
    due ??= text(fields, 'due_time') ?? null;
  }
  return { submitted: false, due };
}

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
    incidentTypes: NamesArg(['breach'], 'Incident types that are personal-data breaches.'),
    triggers: NamesArg(['sensitive_data', 'financial_loss', 'improper_purpose', 'over_1000_people'], 'appi_triggers values that make a breach reportable.'),
    peopleThreshold: Type.Integer({ default: 1000, minimum: 0, description: 'records_affected above this makes a breach reportable (over_1000_people).' }),
    highAfter: DurationArg('72h', 'Time from awareness after which a missing preliminary report is high.'),
    criticalAfter: DurationArg('5d', 'Time from awareness after which a missing preliminary report is critical.'),
    preliminaryDue: DurationArg('5d', 'Deadline of the preliminary report from awareness (the finding’s dueAt).'),
    regulators: NamesArg(['PPC'], 'report_clocks regulator values of the breach report (upper case).'),
    preliminaryKinds: NamesArg(['preliminary'], 'report_clocks kind values of the preliminary report (lower case).'),
    maxBreaches: Type.Integer({
      default: 500,
      minimum: 1,
      maximum: 5000,
      description: 'Most breaches awaiting their preliminary report watched per model; a further one is not, which the rule reports once a day (scope state-limit).',
    }),
  }),
  recovery: { clearFor: '1m' },
  initialState: (): State => ({ breaches: {}, fired: [] }),
  evaluate: ({ event, args, state, timers, time }) => {
    const { payload } = event;
    const id = text(payload, 'incident_id');
    const awareness = timeOf(payload, 'awareness_time');
    const type = text(payload, 'type');
    if (id === undefined || awareness === undefined || type === undefined || !args.incidentTypes.includes(type)) return undefined;
    const scope = scopeOf('incident', id);
    const records = num(payload, 'records_affected') ?? null;
    const triggers = texts(payload, 'appi_triggers').filter((t) => args.triggers.includes(t));
    if (records !== null && records > args.peopleThreshold && !triggers.includes('over_1000_people') && args.triggers.includes('over_1000_people')) triggers.push('over_1000_people');
    const clock = preliminaryClock(payload, args.regulators, args.preliminaryKinds);
    const watched = Bounded.has(state.breaches, id) || STAGES.some((stage) => state.fired.includes(`${stage}:${id}`));
    if (clock.submitted || triggers.length === 0) {
      for (const stage of STAGES) timers.clear(`${stage}:${id}`);
      Bounded.delete(state.breaches, id);
      return watched ? { kind: 'clear', scope } : undefined;
    }
    const breach: WatchedBreach = { awareness, triggers, recordsAffected: records, reportedDue: clock.due };
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
