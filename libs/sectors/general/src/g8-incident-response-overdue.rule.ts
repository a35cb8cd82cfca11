import { Arg, Bounded, defineRule, durationMs, Field, Type, type RuleResult, type RuleTimers } from '@kanshi/policy-sdk';
import { iso, limited } from './general-rule-support';

const args = Type.Object({
  severities: Arg.names(['high', 'critical'], 'Incident severities the response deadlines apply to.'),
  ackWithin: Arg.duration('24h', 'How long after awareness an incident must be acknowledged.'),
  rootCauseWithin: Arg.duration('30d', 'How long after awareness the root cause must be established.'),
  maxIncidents: Type.Integer({
    default: 500,
    minimum: 1,
    maximum: 5000,
    description: 'Most open incidents tracked per model; a further incident is not tracked, which the rule reports once a day (scope state-limit).',
  }),
});

type Step = 'ack' | 'root_cause';

interface TrackedIncident {
  awareness: number;
  severity: string;
  type: string;
  eventId: string;
  /** When the step was done, as the latest update reports it; a step once done stays done. */
  done: Partial<Record<Step, number>>;
  reported: Partial<Record<Step, true>>;
}

interface IncidentState {
  incidents: Record<string, TrackedIncident>;
}

const STEPS: readonly { step: Step; field: string; severity: 'high' | 'medium'; label: string }[] = [
  { step: 'ack', field: 'ack_time', severity: 'high', label: 'not acknowledged' },
  { step: 'root_cause', field: 'root_cause_time', severity: 'medium', label: 'no root cause established' },
];

const timerName = (step: Step, id: string) => `${step}:${id}`;

function overdue(id: string, incident: TrackedIncident, step: (typeof STEPS)[number], due: number, doneAt: number | undefined): RuleResult {
  incident.reported[step.step] = true;
  return {
    scope: limited(`incident:${id}:${step.step}`),
    severity: step.severity,
    dueAt: new Date(due),
    occurrence: limited(`${step.step}:${id}`),
    evidence: [incident.eventId],
    observed: {
      incident_id: id,
      incident_type: incident.type,
      incident_severity: incident.severity,
      awareness_time: iso(incident.awareness),
      missing: step.label,
      due: iso(due),
      done_at: doneAt === undefined ? null : iso(doneAt),
    },
  };
}

function clearTimers(timers: RuleTimers, id: string): void {
  for (const { step } of STEPS) timers.clear(timerName(step, id));
}

/**
 * G8: serious incidents must be handled on time. An incident of one of `severities` starts two
 * clocks at its `awareness_time`: acknowledgement (high when missed) and root cause (medium).
 * Later `incident` updates with the same `incident_id` carrying `ack_time` or
 * `root_cause_time` stop them; a time past the deadline is reported as late. An update that
 * lowers the severity out of scope stops both clocks. At most `maxIncidents` incidents are open
 * per model; one beyond that is not tracked and the rule says so (scope `state-limit`).
 */
export const g8IncidentResponseOverdue = defineRule({
  id: 'G8',
  title: 'Serious incident not acknowledged or root cause not established in time',
  rationale:
    'A serious incident must be acknowledged promptly and its root cause found within a month, so that harm is ' +
    'contained and does not recur; delays are the first thing an investigation under the AI Promotion Act looks at.',
  source: 'AI Promotion Act (Act No. 53 of 2025): investigation and guidance; AI Guidelines for Business v1.1 (safety, accountability)',
  defaultSeverity: 'high',
  reads: ['incident'],
  args,
  initialState: (): IncidentState => ({ incidents: {} }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const id = Field.text(event.payload, 'incident_id');
    const severity = Field.text(event.payload, 'severity');
    const awareness = Field.time(event.payload, 'awareness_time');
    if (id === undefined || severity === undefined || awareness === undefined) return undefined;
    if (!a.severities.includes(severity)) {
      clearTimers(timers, id);
      Bounded.delete(state.incidents, id);
      return undefined;
    }
    const incident: TrackedIncident = Bounded.get(state.incidents, id) ?? { awareness, severity, type: '', eventId: event.event_id, done: {}, reported: {} };
    incident.awareness = awareness;
    incident.severity = severity;
    incident.type = Field.text(event.payload, 'type') ?? incident.type;
    if (!Bounded.set(state.incidents, id, incident, { max: a.maxIncidents }).kept) {
      return Bounded.limitFinding('open incidents', a.maxIncidents, time, { incident_id: id });
    }
    const results: RuleResult[] = [];
    for (const step of STEPS) {
      const due = awareness + durationMs(step.step === 'ack' ? a.ackWithin : a.rootCauseWithin);
      const doneAt = Field.time(event.payload, step.field) ?? incident.done[step.step];
      if (doneAt === undefined) {
        if (!incident.reported[step.step]) timers.set(timerName(step.step, id), due);
        continue;
      }
      incident.done[step.step] = doneAt;
      timers.clear(timerName(step.step, id));
      if (doneAt > due && !incident.reported[step.step]) results.push(overdue(id, incident, step, due, doneAt));
    }
    if (STEPS.every(({ step }) => incident.done[step] !== undefined)) Bounded.delete(state.incidents, id);
    return results;
  },
  onTimer: ({ timer, state }) => {
    const step = STEPS.find((s) => timer.name.startsWith(`${s.step}:`));
    if (!step) return undefined;
    const id = timer.name.slice(step.step.length + 1);
    const incident = Bounded.get(state.incidents, id);
    if (!incident || incident.done[step.step] !== undefined || incident.reported[step.step]) return undefined;
    return overdue(id, incident, step, timer.at, undefined);
  },
});
