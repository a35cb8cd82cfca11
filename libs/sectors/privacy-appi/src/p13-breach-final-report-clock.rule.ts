import { defineRule, durationMs, Type } from '@kanshi/policy-sdk';
import { APPI, BREACH_ARGS, breachOf, DurationArg, firstTime, iso, NamesArg, reportClockOf, scopeOf } from './privacy-rule-support';

interface State {
  /** `final:<incident>` of the breaches whose clock was started, so an update never starts it again. */
  started: string[];
}

/**
 * P13: a personal-data breach that meets an APPI reporting trigger (as P8 reads them) starts
 * the clock of the final report to the PPC: one finding per incident at once, `dueAt` =
 * awareness + 30 days, or + 60 days when a trigger in `longerFor` (an improper purpose, such
 * as unauthorised access) is reported. The alert then carries the deadline: reminders, the
 * raise to critical in its last days and when it is missed, until a report is recorded on the
 * alert (`POST /v1/alerts/:id/reports`). An incident update whose `report_clocks` hold a PPC
 * final clock with a `submitted_time` clears the alert. The deadline is set by the first report
 * of the breach: an improper purpose learned later does not move it (the earlier date stands).
 * P8 watches the preliminary report of the same breach.
 */
export const p13BreachFinalReportClock = defineRule({
  id: 'P13',
  title: 'Reportable breach: final report to the PPC due within 30 days (60 for an improper purpose)',
  rationale:
    'After the preliminary report, a breach that meets an APPI trigger needs a final report to the Personal ' +
    'Information Protection Commission within 30 days of awareness, or 60 days when the breach was for an improper purpose.',
  source: `${APPI} Art. 26; Enforcement Rules Art. 8 para. 2 (final report: 30 days, 60 days for improper-purpose breaches)`,
  defaultSeverity: 'medium',
  reads: ['incident'],
  args: Type.Object({
    ...BREACH_ARGS,
    reportWithin: DurationArg('30d', 'Deadline of the final report from awareness.'),
    longerFor: NamesArg(['improper_purpose'], 'appi_triggers values that give the final report the longer deadline.'),
    longerWithin: DurationArg('60d', 'Deadline of the final report from awareness for a breach with a trigger in longerFor.'),
    finalKinds: NamesArg(['final'], 'report_clocks kind values of the final report (lower case).'),
  }),
  // The clear is final (a report submitted, an entry completed): the alert resolves at once.
  recovery: { clearFor: '0s' },
  initialState: (): State => ({ started: [] }),
  evaluate: ({ event, args, state }) => {
    const breach = breachOf(event.payload, args);
    if (breach === undefined) return undefined;
    const scope = scopeOf('incident', breach.id);
    const mark = `final:${breach.id}`;
    const clock = reportClockOf(event.payload, args.regulators, args.finalKinds);
    if (clock.submitted || breach.triggers.length === 0) return state.started.includes(mark) ? { kind: 'clear', scope } : undefined;
    if (!firstTime(state.started, mark)) return undefined;
    const longer = breach.triggers.some((t) => args.longerFor.includes(t));
    const dueAt = new Date(breach.awareness + durationMs(longer ? args.longerWithin : args.reportWithin));
    return {
      scope,
      dueAt,
      occurrence: mark,
      observed: {
        incident_id: breach.id,
        triggers: breach.triggers,
        records_affected: breach.recordsAffected,
        awareness_time: iso(breach.awareness),
        final_report_due: dueAt.toISOString(),
        deadline: longer ? 'improper_purpose' : 'standard',
        reported_due_time: clock.due === undefined ? null : iso(clock.due),
      },
    };
  },
});
