import { DAY_MS, HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, financeEnv, findingsOf, START } from './finance-test-kit';

function incident(fields: Readonly<Record<string, unknown>> = {}) {
  return {
    event_type: 'incident' as const,
    payload: { incident_id: 'MIS-1', type: 'misconduct', severity: 'high', awareness_time: at(START), ...fields },
  };
}

const notification = (submitted?: number, fields: Readonly<Record<string, unknown>> = {}) => ({
  regulator: 'FSA',
  kind: 'misconduct_notification',
  due_time: at(START + 30 * DAY_MS),
  ...(submitted === undefined ? {} : { submitted_time: at(submitted) }),
  ...fields,
});

describe('F12 misconduct or customer harm: Banking Act notification clock', () => {
  it('starts the 30-day clock from awareness at once, once per incident', () => {
    const env = financeEnv();
    env.advanceTo(START + 3 * HOUR_MS);
    env.send(incident());
    env.send(incident({ ack_time: at(START + HOUR_MS) }));
    env.send(incident({ incident_id: 'HARM-1', type: 'harm', severity: 'medium', awareness_time: at(START + HOUR_MS) }));

    const findings = findingsOf(env, 'F12');
    expect(findings.map((f) => [f.scope, f.severity, f.dueAt?.toISOString()])).toEqual([
      ['incident:MIS-1', 'high', at(START + 30 * DAY_MS)],
      ['incident:HARM-1', 'high', at(START + HOUR_MS + 30 * DAY_MS)],
    ]);
    expect(findings[0]?.observed).toEqual({
      incident_id: 'MIS-1',
      incident_type: 'misconduct',
      severity: 'high',
      awareness_time: at(START),
      notification_due: at(START + 30 * DAY_MS),
      reported_due_time: null,
    });
  });

  it('starts nothing for other incident types', () => {
    const env = financeEnv();
    for (const type of ['breach', 'malfunction', 'security', 'safety']) env.send(incident({ incident_id: type, type }));
    env.advance('40d');
    expect(findingsOf(env, 'F12')).toEqual([]);
  });

  it('is cleared by an update with the notification submitted, and not by another regulator or kind', () => {
    const env = financeEnv();
    env.send(incident({ report_clocks: [notification()] }));
    expect((findingsOf(env, 'F12')[0]?.observed as { reported_due_time: string }).reported_due_time).toBe(at(START + 30 * DAY_MS));

    env.send(incident({ report_clocks: [notification(START + DAY_MS, { regulator: 'PPC' }), notification(START + DAY_MS, { kind: 'final' }), notification()] }));
    expect(clearsOf(env, 'F12')).toEqual([]);

    env.advanceTo(START + 12 * DAY_MS);
    env.send(incident({ report_clocks: [notification(START + 12 * DAY_MS, { regulator: 'fsa', kind: 'ART53' })] }));
    expect(clearsOf(env, 'F12').map((c) => c.scope)).toEqual(['incident:MIS-1']);
    env.send(incident());
    expect(findingsOf(env, 'F12')).toHaveLength(1);
  });

  it('starts no clock for an incident first seen with its notification submitted', () => {
    const env = financeEnv();
    env.send(incident({ report_clocks: [notification(START)] }));
    expect([findingsOf(env, 'F12'), clearsOf(env, 'F12')]).toEqual([[], []]);
  });

  it('keeps its clocks across a restart, and takes a tenant’s types and deadline', () => {
    const env = financeEnv({ args: { F12: { incidentTypes: ['misconduct', 'security'], notifyWithin: '14d' } } });
    env.send(incident());
    env.restart();
    env.send(incident());
    env.send(incident({ incident_id: 'SEC-1', type: 'security' }));
    env.send(incident({ incident_id: 'HARM-1', type: 'harm' }));
    expect(findingsOf(env, 'F12').map((f) => [f.scope, f.dueAt?.toISOString()])).toEqual([
      ['incident:MIS-1', at(START + 14 * DAY_MS)],
      ['incident:SEC-1', at(START + 14 * DAY_MS)],
    ]);
  });
});
