import { Arg, defineRule, durationMs, Type } from '@kanshi/policy-sdk';
import { firstTime, incidentOf, incidentScope } from './medical-rule-support';

/**
 * M8: a malfunction that could cause serious harm starts the 30-day report clock: one finding
 * per incident, `dueAt` = awareness + 30 days. Updates of the same incident never repeat it;
 * incidents without a parsable `awareness_time` are skipped.
 */
export const m8MalfunctionReportClock = defineRule({
  id: 'M8',
  title: 'Malfunction with potential serious harm: 30-day report clock',
  rationale:
    'A malfunction of a medical device that could cause serious harm must be reported to PMDA within ' +
    '30 days of awareness, even when no patient was harmed.',
  source: 'PMD Act Art. 68-10 (malfunction reports: 30 days)',
  defaultSeverity: 'high',
  reads: ['incident'],
  args: Type.Object({
    incidentTypes: Arg.names(['malfunction'], 'Incident types that are device malfunctions.'),
    harmLevels: Arg.names(['potential_serious'], 'patient_harm values that start the 30-day clock.'),
    reportWithin: Arg.duration('30d', 'Reporting deadline from awareness.'),
  }),
  initialState: () => ({ clocked: [] as string[] }),
  evaluate: ({ event, args, state }) => {
    const incident = incidentOf(event.payload);
    if (!incident || incident.awareness === undefined || incident.type === undefined || incident.harm === undefined) return undefined;
    if (!args.incidentTypes.includes(incident.type) || !args.harmLevels.includes(incident.harm) || !firstTime(state.clocked, incident.id)) return undefined;
    const dueAt = new Date(incident.awareness + durationMs(args.reportWithin));
    return {
      scope: incidentScope(incident.id),
      dueAt,
      occurrence: `clock:${incident.id}`,
      observed: { incident_id: incident.id, patient_harm: incident.harm, awareness_time: new Date(incident.awareness).toISOString(), report_due: dueAt.toISOString() },
    };
  },
});
