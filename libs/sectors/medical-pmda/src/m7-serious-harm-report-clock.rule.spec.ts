import { DAY, findingsOf, HOUR, incident, iso, medicalEnv, START } from './medical-spec-support';

const report = (id: string, fields: Record<string, unknown> = {}) => ({ event_type: 'incident' as const, payload: incident(id, fields) });

describe('M7 death or serious harm: 15-day clock; unclassified after 48h', () => {
  it('starts the 15-day clock from awareness for death or serious harm, once per incident', () => {
    const env = medicalEnv();
    env.advanceTo(START + 5 * HOUR);
    env.send(report('INC-1', { patient_harm: 'death' }));
    env.send(report('INC-1', { patient_harm: 'death', ack_time: iso(START + 6 * HOUR) }));
    env.send(report('INC-2', { patient_harm: 'serious', awareness_time: iso(START + HOUR) }));

    const findings = findingsOf(env, 'M7');
    expect(findings.map((f) => [f.scope, f.severity, f.dueAt?.toISOString()])).toEqual([
      ['incident:INC-1', 'high', iso(START + 15 * DAY)],
      ['incident:INC-2', 'high', iso(START + HOUR + 15 * DAY)],
    ]);
    expect(findings[0]?.observed).toEqual({ incident_id: 'INC-1', patient_harm: 'death', awareness_time: iso(START), report_due: iso(START + 15 * DAY) });
  });

  it('does not start the clock for lesser harm, nor watch the classification of incident types that involve no patient', () => {
    const env = medicalEnv();
    env.send(report('INC-1', { patient_harm: 'none' }));
    env.send(report('INC-2', { type: 'security' }));
    env.send(report('INC-3', { type: 'security', patient_harm: 'unknown' }));
    env.advance('5d');

    expect(findingsOf(env, 'M7')).toEqual([]);
  });

  it('starts the clock for death or serious harm whatever the incident type, a security incident that harmed a patient included', () => {
    const env = medicalEnv();
    env.send(report('INC-2', { patient_harm: 'serious', type: 'security' }));
    env.send(report('INC-3', { patient_harm: 'death', type: 'misconduct' }));

    expect(findingsOf(env, 'M7').map((f) => [f.scope, f.dueAt?.toISOString()])).toEqual([
      ['incident:INC-2', iso(START + 15 * DAY)],
      ['incident:INC-3', iso(START + 15 * DAY)],
    ]);
  });

  it('fires when an incident is still unclassified 48h after awareness, and not before', () => {
    const env = medicalEnv();
    env.send(report('INC-1'));
    env.send(report('INC-1', { patient_harm: 'unknown' }));
    env.advanceTo(START + 48 * HOUR - 1);
    expect(findingsOf(env, 'M7')).toEqual([]);

    env.advanceTo(START + 48 * HOUR);
    env.send(report('INC-1'));
    env.advance('5d');
    const findings = findingsOf(env, 'M7');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ scope: 'incident:INC-1/classification', severity: 'high', observed: { incident_id: 'INC-1', reason: 'unclassified', awareness_time: iso(START) } });
  });

  it('stops waiting once the incident is classified, across a restart', () => {
    const env = medicalEnv();
    env.send(report('INC-1'));
    env.restart();
    env.advance('47h');
    env.send(report('INC-1', { patient_harm: 'serious' }));
    env.advance('5d');

    expect(findingsOf(env, 'M7').map((f) => f.scope)).toEqual(['incident:INC-1']);
  });

  it('raises the clock even after the classification deadline passed', () => {
    const env = medicalEnv();
    env.send(report('INC-1'));
    env.advance('3d');
    env.send(report('INC-1', { patient_harm: 'death' }));

    expect(findingsOf(env, 'M7').map((f) => f.scope)).toEqual(['incident:INC-1/classification', 'incident:INC-1']);
  });

  it('takes an overridden deadline', () => {
    const env = medicalEnv({}, { args: { M7: { reportWithin: '10d' } } });
    env.send(report('INC-1', { patient_harm: 'death' }));

    expect(findingsOf(env, 'M7')[0]?.dueAt?.toISOString()).toBe(iso(START + 10 * DAY));
  });

  it('watches at most 500 unclassified incidents, and says so for the next', () => {
    const env = medicalEnv();
    for (let i = 0; i <= 500; i++) env.send(report(`INC-${i}`));
    expect(findingsOf(env, 'M7').map((f) => [f.scope, f.observed])).toEqual([
      ['state-limit', { state_limit: 'incidents awaiting classification', limit: 500, day: '2026-01-05', incident_id: 'INC-500' }],
    ]);
    env.advance('3d');
    expect(findingsOf(env, 'M7').filter((f) => f.scope !== 'state-limit')).toHaveLength(500);
  });
});
