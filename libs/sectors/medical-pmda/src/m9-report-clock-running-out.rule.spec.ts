import { DAY, findingsOf, HOUR, incident, iso, medicalEnv, START } from './medical-spec-support';

const DUE = START + 15 * DAY;
const clock = (fields: Record<string, unknown> = {}) => ({ regulator: 'PMDA', kind: 'adverse_event_15d', due_time: iso(DUE), ...fields });
const update = (clocks: Record<string, unknown>[], id = 'INC-1') => ({ event_type: 'incident' as const, payload: incident(id, { patient_harm: 'death', report_clocks: clocks }) });

describe('M9 report clock with 3 days or less left, not submitted', () => {
  it('fires critical at due minus 3 days, not before, with the due time', () => {
    const env = medicalEnv();
    env.send(update([clock()]));
    env.advanceTo(DUE - 3 * DAY - 1);
    expect(findingsOf(env, 'M9')).toEqual([]);

    env.advanceTo(DUE - 3 * DAY);
    env.advance('5d');
    const findings = findingsOf(env, 'M9');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'critical', scope: 'incident:INC-1/adverse_event_15d' });
    expect(findings[0]?.dueAt?.toISOString()).toBe(iso(DUE));
    expect(findings[0]?.observed).toEqual({ incident_id: 'INC-1', regulator: 'PMDA', kind: 'adverse_event_15d', due_time: iso(DUE), days_left: 3, submitted: false });
  });

  it('is cancelled by an update that reports the report submitted, across a restart', () => {
    const env = medicalEnv();
    env.send(update([clock()]));
    env.restart();
    env.advance('10d');
    env.send(update([clock({ submitted_time: iso(START + 10 * DAY) })]));
    env.advance('10d');

    expect(findingsOf(env, 'M9')).toEqual([]);
  });

  it('moves with a new due time and fires at once for a clock already inside the last 3 days', () => {
    const env = medicalEnv();
    env.send(update([clock()]));
    env.send(update([clock({ due_time: iso(DUE + 5 * DAY) })]));
    env.advanceTo(DUE - 2 * DAY);
    expect(findingsOf(env, 'M9')).toEqual([]);

    env.send(update([clock({ kind: 'malfunction_30d', due_time: iso(DUE - 12 * HOUR) })], 'INC-2'));
    env.advance('1ms');
    expect(findingsOf(env, 'M9').map((f) => [f.scope, (f.observed as { days_left: number }).days_left])).toEqual([['incident:INC-2/malfunction_30d', 1.5]]);
  });

  it("ignores other regulators' clocks and incidents without clocks", () => {
    const env = medicalEnv();
    env.send(update([clock({ regulator: 'PPC', kind: 'preliminary' })]));
    env.send({ event_type: 'incident', payload: incident('INC-3') });
    env.advance('30d');

    expect(findingsOf(env, 'M9')).toEqual([]);
  });

  it('takes the regulator names case-insensitively and an overridden warning period', () => {
    const env = medicalEnv({}, { args: { M9: { warnBefore: '5d' } } });
    env.send(update([clock({ regulator: 'pmda' })]));
    env.advanceTo(DUE - 5 * DAY);

    expect(findingsOf(env, 'M9')).toHaveLength(1);
  });

  it('watches at most 500 clocks, and says so for the next', () => {
    const env = medicalEnv();
    for (let i = 0; i < 250; i++) env.send(update([clock(), clock({ kind: 'malfunction_30d' })], `INC-${i}`));
    env.send(update([clock()], 'INC-250'));
    expect(findingsOf(env, 'M9').map((f) => [f.scope, f.observed])).toEqual([
      ['state-limit', { state_limit: 'report clocks', limit: 500, day: '2026-01-05', incident_id: 'INC-250' }],
    ]);
    expect(Object.keys((env.stateOf('M9') as { clocks: object }).clocks)).toHaveLength(500);
  });
});
