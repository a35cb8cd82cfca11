import { DAY_MS, HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, privacyEnv, START } from './privacy-test-support';

function breach(fields: Readonly<Record<string, unknown>> = {}) {
  return {
    event_type: 'incident' as const,
    payload: { incident_id: 'INC-1', type: 'breach', severity: 'high', appi_triggers: ['sensitive_data'], awareness_time: at(START), ...fields },
  };
}

const clock = (kind: string, submitted?: number) => ({
  regulator: 'PPC',
  kind,
  due_time: at(START + 30 * DAY_MS),
  ...(submitted === undefined ? {} : { submitted_time: at(submitted) }),
});

describe('P13 reportable breach: final report clock (30 days, 60 for an improper purpose)', () => {
  it('starts the 30-day clock from awareness at once, once per breach, beside P8', () => {
    const env = privacyEnv();
    env.advanceTo(START + 2 * HOUR_MS);
    env.send(breach({ records_affected: 40 }));
    env.send(breach({ records_affected: 40, ack_time: at(START + HOUR_MS) }));

    const findings = findingsOf(env, 'P13');
    expect(findings.map((f) => [f.scope, f.severity, f.dueAt?.toISOString()])).toEqual([['incident:INC-1', 'medium', at(START + 30 * DAY_MS)]]);
    expect(findings[0]?.observed).toEqual({
      incident_id: 'INC-1',
      triggers: ['sensitive_data'],
      records_affected: 40,
      awareness_time: at(START),
      final_report_due: at(START + 30 * DAY_MS),
      deadline: 'standard',
      reported_due_time: null,
    });
    env.advance('5d');
    expect(findingsOf(env, 'P13')).toHaveLength(1);
    expect(findingsOf(env, 'P8').map((f) => f.severity)).toEqual(['high', 'critical']);
  });

  it('gives a breach for an improper purpose 60 days', () => {
    const env = privacyEnv();
    env.send(breach({ incident_id: 'INC-2', appi_triggers: ['improper_purpose'] }));
    env.send(breach({ incident_id: 'INC-3', appi_triggers: ['financial_loss', 'improper_purpose'] }));

    expect(findingsOf(env, 'P13').map((f) => [f.scope, f.dueAt?.toISOString(), (f.observed as { deadline: string }).deadline])).toEqual([
      ['incident:INC-2', at(START + 60 * DAY_MS), 'improper_purpose'],
      ['incident:INC-3', at(START + 60 * DAY_MS), 'improper_purpose'],
    ]);
  });

  it('counts more than 1,000 people as a trigger, and starts nothing for a breach that meets none or for other incidents', () => {
    const env = privacyEnv();
    env.send(breach({ incident_id: 'BIG', appi_triggers: [], records_affected: 1001 }));
    env.send(breach({ incident_id: 'EXACT', appi_triggers: [], records_affected: 1000 }));
    env.send(breach({ incident_id: 'NONE', appi_triggers: [] }));
    env.send(breach({ incident_id: 'SEC', type: 'security' }));

    expect(findingsOf(env, 'P13').map((f) => [f.scope, (f.observed as { triggers: string[] }).triggers])).toEqual([['incident:BIG', ['over_1000_people']]]);
  });

  it('is cleared by an update with the final report submitted, and not by the preliminary one nor by another regulator', () => {
    const env = privacyEnv();
    env.send(breach({ report_clocks: [clock('final')] }));
    expect((findingsOf(env, 'P13')[0]?.observed as { reported_due_time: string }).reported_due_time).toBe(at(START + 30 * DAY_MS));
    env.send(breach({ report_clocks: [clock('preliminary', START + 2 * DAY_MS), { ...clock('final', START + 3 * DAY_MS), regulator: 'FSA' }, clock('final')] }));
    expect(clearsOf(env, 'P13')).toEqual([]);

    env.advanceTo(START + 20 * DAY_MS);
    env.send(breach({ report_clocks: [clock('final', START + 20 * DAY_MS)] }));
    expect(clearsOf(env, 'P13').map((c) => c.scope)).toEqual(['incident:INC-1']);
    env.send(breach());
    expect(findingsOf(env, 'P13')).toHaveLength(1);
  });

  it('starts no clock for a breach first seen with its final report submitted, nor clears what it never raised', () => {
    const env = privacyEnv();
    env.send(breach({ report_clocks: [clock('final', START)] }));
    expect([findingsOf(env, 'P13'), clearsOf(env, 'P13')]).toEqual([[], []]);
  });

  it('keeps its clocks across a restart, and takes a tenant’s deadlines and kinds', () => {
    const env = privacyEnv({ args: { P13: { reportWithin: '20d', longerWithin: '45d', finalKinds: ['full'] } } });
    env.send(breach());
    env.restart();
    env.send(breach());
    env.send(breach({ incident_id: 'INC-2', appi_triggers: ['improper_purpose'] }));
    env.send(breach({ report_clocks: [clock('final', START)] }));
    expect(findingsOf(env, 'P13').map((f) => f.dueAt?.toISOString())).toEqual([at(START + 20 * DAY_MS), at(START + 45 * DAY_MS)]);
    expect(clearsOf(env, 'P13')).toEqual([]);
    env.send(breach({ report_clocks: [clock('full', START)] }));
    expect(clearsOf(env, 'P13').map((c) => c.scope)).toEqual(['incident:INC-1']);
  });
});
