import { Arg, Bounded, defineRule, durationMs, Type } from '@kanshi/policy-sdk';
import { firstTime, incidentOf, incidentScope } from './medical-rule-support';

const CLASSIFY = 'classify:';

interface M7State {
  /** `clock:`, `classified:` and `late:` marks per incident, so updates never repeat a finding. */
  done: string[];
  /** Awareness time of incidents waiting for classification, by incident id. */
  awareness: Record<string, number>;
}

/**
 * M7: an incident involving death or serious harm to a patient starts the 15-day adverse-event
 * report clock, whatever its type: one finding per incident, `dueAt` = awareness + 15 days.
 * Another rule alerting on the same incident (M12 for a security incident) does not replace the
 * clock. An incident of a type that may involve harm (`incidentTypes`) still
 * without a harm classification (`patient_harm` absent or "unknown") 48 hours after awareness
 * is a finding of its own (timer), because until it is classified nobody knows which clock
 * runs. Updates of the same incident (same `incident_id`) never repeat a finding. Incidents
 * without a parsable `awareness_time` are skipped. At most `maxIncidents` incidents await
 * classification per model; a further one is not watched, and the rule says so (scope
 * `state-limit`).
 */
export const m7SeriousHarmReportClock = defineRule({
  id: 'M7',
  title: 'Death or serious harm: 15-day report clock; incident unclassified after 48h',
  rationale:
    'Adverse events with death or unforeseen serious harm must be reported to PMDA within 15 days ' +
    'of awareness; the clock only runs correctly if incidents are classified promptly.',
  source: 'PMD Act Art. 68-10 (malfunction and adverse event reports: 15 days)',
  defaultSeverity: 'high',
  reads: ['incident'],
  args: Type.Object({
    incidentTypes: Arg.names(
      ['harm', 'malfunction', 'safety'],
      'Incident types that may involve patient harm: one of these still unclassified after classifyWithin is a finding. An incident of any type that reports death or serious harm starts the clock.',
    ),
    harmLevels: Arg.names(['death', 'serious'], 'patient_harm values that start the 15-day clock.'),
    unclassifiedValues: Arg.names(['unknown', 'unclassified', 'pending'], 'patient_harm values that mean "not classified yet" (as is an absent field).'),
    reportWithin: Arg.duration('15d', 'Reporting deadline from awareness.'),
    classifyWithin: Arg.duration('48h', 'How long after awareness an incident may stay unclassified.'),
    maxIncidents: Type.Integer({
      default: 500,
      minimum: 1,
      maximum: 5000,
      description: 'Most incidents awaiting classification watched per model; a further one is not, which the rule reports once a day (scope state-limit).',
    }),
  }),
  initialState: (): M7State => ({ done: [], awareness: {} }),
  evaluate: ({ event, time, args, state, timers }) => {
    const incident = incidentOf(event.payload);
    if (!incident || incident.awareness === undefined) return undefined;
    const { id, harm, awareness } = incident;
    // Death or serious harm starts the clock whatever the incident's type (a security incident
    // that harmed a patient included); the types only decide which incidents must be classified.
    const harmful = harm !== undefined && args.harmLevels.includes(harm);
    if (!harmful && (incident.type === undefined || !args.incidentTypes.includes(incident.type))) return undefined;
    const classifyTimer = `${CLASSIFY}${id}`;
    if (harm === undefined || args.unclassifiedValues.includes(harm)) {
      if (timers.get(classifyTimer) === undefined && !state.done.includes(`late:${id}`) && !state.done.includes(`classified:${id}`)) {
        if (!Bounded.set(state.awareness, id, awareness, { max: args.maxIncidents }).kept) {
          return Bounded.limitFinding('incidents awaiting classification', args.maxIncidents, time, { incident_id: id });
        }
        timers.set(classifyTimer, awareness + durationMs(args.classifyWithin));
      }
      return undefined;
    }
    timers.clear(classifyTimer);
    Bounded.delete(state.awareness, id);
    firstTime(state.done, `classified:${id}`);
    if (!args.harmLevels.includes(harm) || !firstTime(state.done, `clock:${id}`)) return undefined;
    const dueAt = new Date(awareness + durationMs(args.reportWithin));
    return {
      scope: incidentScope(id),
      dueAt,
      occurrence: `clock:${id}`,
      observed: { incident_id: id, patient_harm: harm, awareness_time: new Date(awareness).toISOString(), report_due: dueAt.toISOString() },
    };
  },
  onTimer: ({ timer, state }) => {
    if (!timer.name.startsWith(CLASSIFY)) return undefined;
    const id = timer.name.slice(CLASSIFY.length);
    const awareness = Bounded.get(state.awareness, id);
    Bounded.delete(state.awareness, id);
    if (!firstTime(state.done, `late:${id}`)) return undefined;
    return {
      scope: incidentScope(id, 'classification'),
      occurrence: `unclassified:${id}`,
      observed: { incident_id: id, reason: 'unclassified', awareness_time: awareness === undefined ? null : new Date(awareness).toISOString() },
    };
  },
});
