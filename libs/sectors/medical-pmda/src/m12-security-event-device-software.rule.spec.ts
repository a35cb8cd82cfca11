import { findingsOf, incident, medicalEnv } from './medical-spec-support';

const report = (id: string, fields: Record<string, unknown> = {}) => ({ event_type: 'incident' as const, model_version: '1.1.0', payload: incident(id, { type: 'security', severity: 'medium', ...fields }) });

describe('M12 security event touching device software', () => {
  it('fires high for a security incident on the device, once per incident', () => {
    const env = medicalEnv();
    env.send(report('SEC-1'));
    env.restart();
    env.send(report('SEC-1', { root_cause_time: '2026-01-06T00:00:00Z' }));

    const findings = findingsOf(env, 'M12');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'high', scope: 'incident:SEC-1' });
    expect(findings[0]?.observed).toEqual({ incident_id: 'SEC-1', incident_severity: 'medium', version: '1.1.0', awareness_time: '2026-01-05T00:00:00.000Z' });
  });

  it('skips security incidents the producer marks as not touching the device software, and other types', () => {
    const env = medicalEnv();
    env.send(report('SEC-1', { affects_device_software: false }));
    env.send(report('BR-1', { type: 'breach' }));

    expect(findingsOf(env, 'M12')).toEqual([]);
  });
});
