import { DAY, findingsOf, incident, iso, medicalEnv, START } from './medical-spec-support';

const report = (id: string, fields: Record<string, unknown> = {}) => ({ event_type: 'incident' as const, payload: incident(id, { type: 'malfunction', ...fields }) });

describe('M8 malfunction with potential serious harm: 30-day clock', () => {
  it('starts the 30-day clock from awareness, once per incident', () => {
    const env = medicalEnv();
    env.send(report('MAL-1', { patient_harm: 'potential_serious' }));
    env.send(report('MAL-1', { patient_harm: 'potential_serious', root_cause_time: iso(START + DAY) }));

    const findings = findingsOf(env, 'M8');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ scope: 'incident:MAL-1', severity: 'high', occurrence: 'clock:MAL-1' });
    expect(findings[0]?.dueAt?.toISOString()).toBe(iso(START + 30 * DAY));
    expect(findings[0]?.observed).toMatchObject({ incident_id: 'MAL-1', patient_harm: 'potential_serious', report_due: iso(START + 30 * DAY) });
  });

  it('ignores malfunctions without potential serious harm, missing harm, and other types', () => {
    const env = medicalEnv();
    env.send(report('MAL-1', { patient_harm: 'none' }));
    env.send(report('MAL-2'));
    env.send(report('MAL-3', { type: 'harm', patient_harm: 'potential_serious' }));

    expect(findingsOf(env, 'M8')).toEqual([]);
  });

  it('remembers clocked incidents across a restart', () => {
    const env = medicalEnv();
    env.send(report('MAL-1', { patient_harm: 'potential_serious' }));
    env.restart();
    env.send(report('MAL-1', { patient_harm: 'potential_serious' }));

    expect(findingsOf(env, 'M8')).toHaveLength(1);
  });
});
