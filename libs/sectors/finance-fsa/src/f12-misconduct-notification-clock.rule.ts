import { Arg, Bounded, defineRule, durationMs, Field, Type } from '@kanshi/policy-sdk';
import { iso, norm, scopeOf } from './finance-rule-helpers';

interface State {
  /** `clock:<incident>` of the incidents whose clock was started, so an update never starts it again. */
  started: string[];
}

/** Most started clocks remembered per model, the oldest forgotten first. */
const MAX_STARTED = 1000;

/**
 * F12: an incident at a bank classified as misconduct or customer harm (`incidentTypes`) starts
 * the Banking Act Art. 53 notification clock: one finding per incident at once, `dueAt` =
 * awareness + 30 days (`notifyWithin`). The alert then carries the deadline: reminders, the
 * raise to critical in its last days and when it is missed, until the notification is recorded
 * on the alert (`POST /v1/alerts/:id/reports`). An incident update whose `report_clocks` hold a
 * clock of one of `regulators` and `kinds` with a `submitted_time` clears the alert. Incidents
 * without an id or a parsable `awareness_time` are skipped.
 */
export const f12MisconductNotificationClock = defineRule({
  id: 'F12',
  title: 'Misconduct or customer harm: Banking Act notification to the FSA due within 30 days',
  rationale:
    'A bank that learns of misconduct (不祥事件), customer harm included, must notify the FSA within 30 days of ' +
    'learning of it; a model that caused or hid it is part of the case.',
  source: 'Banking Act Art. 53 para. 1; Ordinance for Enforcement of the Banking Act Art. 35 (notification of misconduct within 30 days)',
  defaultSeverity: 'high',
  reads: ['incident'],
  args: Type.Object({
    incidentTypes: Arg.names(['misconduct', 'harm'], 'Incident types that are misconduct or customer harm at the bank.'),
    notifyWithin: Arg.duration('30d', 'Deadline of the notification from awareness.'),
    regulators: Arg.names(['FSA'], 'report_clocks regulator values of the notification (upper case).'),
    kinds: Arg.names(['misconduct_notification', 'art53'], 'report_clocks kind values of the notification (lower case).'),
  }),
  // The clear is final (a report submitted, an entry completed): the alert resolves at once.
  recovery: { clearFor: '0s' },
  initialState: (): State => ({ started: [] }),
  evaluate: ({ event, args, state }) => {
    const { payload } = event;
    const id = Field.text(payload, 'incident_id');
    const type = Field.text(payload, 'type');
    const awareness = Field.time(payload, 'awareness_time');
    if (id === undefined || type === undefined || awareness === undefined || !args.incidentTypes.map(norm).includes(norm(type))) return undefined;
    const scope = scopeOf('incident', id);
    const mark = `clock:${id}`;
    const clocks = Field.reportClocks(payload).filter((c) => args.regulators.includes(c.regulator) && args.kinds.includes(c.kind));
    if (clocks.some((c) => c.submitted !== undefined)) return state.started.includes(mark) ? { kind: 'clear', scope } : undefined;
    if (!Bounded.remember(state.started, mark, MAX_STARTED)) return undefined;
    const dueAt = new Date(awareness + durationMs(args.notifyWithin));
    const dues = clocks.flatMap((c) => (c.due === undefined ? [] : [c.due]));
    const reportedDue = dues.length === 0 ? undefined : Math.min(...dues);
    return {
      scope,
      dueAt,
      occurrence: mark,
      observed: {
        incident_id: id,
        incident_type: type,
        severity: Field.text(payload, 'severity') ?? null,
        awareness_time: iso(awareness),
        notification_due: dueAt.toISOString(),
        reported_due_time: reportedDue === undefined ? null : iso(reportedDue),
      },
    };
  },
});
