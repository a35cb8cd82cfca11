import { Arg, Bounded, DAY_MS, defineRule, durationMs, Field, Type, type RuleFinding } from '@kanshi/policy-sdk';
import { firstTime, incidentOf, incidentScope } from './medical-rule-support';

interface Clock {
  incidentId: string;
  regulator: string;
  kind: string;
  due: number;
}

const WARN = 'warn:';

interface M9State {
  /** Open clocks by timer name. */
  clocks: Record<string, Clock>;
  /** Timer names already escalated. */
  warned: string[];
}

/**
 * M9: a PMDA report clock of an incident (`report_clocks[]` with the regulator, kind and
 * `due_time`) has 3 days or less left and no `submitted_time`. Each clock gets a timer at due
 * minus 3 days; an incident update that reports the clock submitted cancels it, and a new
 * `due_time` moves it. A clock reported for the first time with less than 3 days left fires at
 * once. Clocks of other regulators (the PPC's belong to the privacy module) and clocks without
 * a parsable `due_time` are skipped. At most `maxClocks` clocks are watched per model; a further
 * one is not, and the rule says so (scope `state-limit`).
 */
export const m9ReportClockRunningOut = defineRule({
  id: 'M9',
  title: 'Report clock with 3 days or less left and not submitted',
  rationale:
    'A malfunction or adverse-event report to PMDA that misses its 15- or 30-day deadline is a breach ' +
    'of the PMD Act; three days is the last moment to escalate.',
  source: 'PMD Act Art. 68-10 (malfunction and adverse event reports: 15 or 30 days from awareness)',
  defaultSeverity: 'critical',
  reads: ['incident'],
  args: Type.Object({
    warnBefore: Arg.duration('3d', 'How long before the due time an unsubmitted report is escalated.'),
    regulators: Arg.names(['PMDA', 'MHLW'], 'Regulators whose clocks this rule watches (case-insensitive).'),
    maxClocks: Type.Integer({
      default: 500,
      minimum: 1,
      maximum: 5000,
      description: 'Most unsubmitted report clocks watched per model; a further one is not, which the rule reports once a day (scope state-limit).',
    }),
  }),
  initialState: (): M9State => ({ clocks: {}, warned: [] }),
  evaluate: ({ event, time, args, state, timers }) => {
    const incident = incidentOf(event.payload);
    const clocks = event.payload['report_clocks'];
    if (!incident || !Array.isArray(clocks)) return undefined;
    const regulators = args.regulators.map((r) => r.toUpperCase());
    let limit: RuleFinding | undefined;
    for (const entry of clocks as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const clock = entry as Readonly<Record<string, unknown>>;
      const regulator = Field.text(clock, 'regulator');
      const kind = Field.text(clock, 'kind');
      const due = Field.time(clock, 'due_time');
      if (regulator === undefined || kind === undefined || due === undefined || !regulators.includes(regulator.toUpperCase())) continue;
      const name = `${WARN}${incident.id}|${regulator}|${kind}`;
      if (Field.time(clock, 'submitted_time') !== undefined) {
        timers.clear(name);
        Bounded.delete(state.clocks, name);
      } else if (!state.warned.includes(name)) {
        if (Bounded.set(state.clocks, name, { incidentId: incident.id, regulator, kind, due }, { max: args.maxClocks }).kept) timers.set(name, due - durationMs(args.warnBefore));
        else limit ??= Bounded.limitFinding('report clocks', args.maxClocks, time, { incident_id: incident.id });
      }
    }
    return limit;
  },
  onTimer: ({ timer, time, state }) => {
    const clock = Bounded.get(state.clocks, timer.name);
    Bounded.delete(state.clocks, timer.name);
    if (!clock || !firstTime(state.warned, timer.name)) return undefined;
    return {
      scope: incidentScope(clock.incidentId, clock.kind),
      dueAt: new Date(clock.due),
      occurrence: `${timer.name}@${new Date(clock.due).toISOString()}`.slice(0, 200),
      observed: {
        incident_id: clock.incidentId,
        regulator: clock.regulator,
        kind: clock.kind,
        due_time: new Date(clock.due).toISOString(),
        days_left: Math.round(((clock.due - time) / DAY_MS) * 100) / 100,
        submitted: false,
      },
    };
  },
});
