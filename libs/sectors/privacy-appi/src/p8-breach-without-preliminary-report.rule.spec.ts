import { DAY_MS, HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, privacyEnv, START } from './privacy-test-support';

function breach(fields: Readonly<Record<string, unknown>> = {}) {
  return {
    event_type: 'incident' as const,
    payload: { incident_id: 'INC-1', type: 'breach', severity: 'high', appi_triggers: ['sensitive_data'], awareness_time: at(START), ...fields },
  };
}

const submitted = { report_clocks: [{ regulator: 'PPC', kind: 'preliminary', due_time: at(START + 5 * DAY_MS), submitted_time: at(START + 2 * DAY_MS) }] };

describe('P8 reportable breach without a preliminary report', () => {
  it('is high 72h after awareness and critical after 5 days, with dueAt = awareness + 5 days', () => {
    const env = privacyEnv();
    env.send(breach({ records_affected: 12 }));

    env.advanceTo(START + 72 * HOUR_MS - 1);
    expect(findingsOf(env, 'P8')).toEqual([]);
    env.advance('1ms');
    expect(findingsOf(env, 'P8')).toHaveLength(1);
    expect(findingsOf(env, 'P8')[0]).toMatchObject({
      severity: 'high',
      scope: 'incident:INC-1',
      dueAt: new Date(START + 5 * DAY_MS),
      observed: { incident_id: 'INC-1', stage: 'high', triggers: ['sensitive_data'], records_affected: 12, awareness_time: at(START), hours_since_awareness: 72 },
    });

    env.advanceTo(START + 5 * DAY_MS - 1);
    expect(findingsOf(env, 'P8')).toHaveLength(1);
    env.advance('1ms');
    expect(findingsOf(env, 'P8').map((f) => [f.severity, f.dueAt])).toEqual([
      ['high', new Date(START + 5 * DAY_MS)],
      ['critical', new Date(START + 5 * DAY_MS)],
    ]);
    env.advance('30d');
    expect(findingsOf(env, 'P8')).toHaveLength(2);
  });

  it('is cancelled by an update with the preliminary report submitted, and clears the alert', () => {
    const before = privacyEnv();
    before.send(breach());
    before.advance('48h');
    before.send(breach(submitted));
    before.advance('30d');
    expect(findingsOf(before, 'P8')).toEqual([]);
    expect(clearsOf(before, 'P8').map((c) => c.scope)).toEqual(['incident:INC-1']);

    const between = privacyEnv();
    between.send(breach());
    between.advance('4d');
    between.send(breach(submitted));
    between.advance('30d');
    expect(findingsOf(between, 'P8').map((f) => f.severity)).toEqual(['high']);
    expect(clearsOf(between, 'P8')).toHaveLength(1);
  });

  it('is not cancelled by another regulator’s clock or an unsubmitted preliminary clock, and shows the reported due time', () => {
    const env = privacyEnv();
    const due = at(START + 4 * DAY_MS);
    env.send(breach({ report_clocks: [{ regulator: 'FSA', kind: 'preliminary', due_time: due, submitted_time: at(START + HOUR_MS) }, { regulator: 'PPC', kind: 'preliminary', due_time: due }] }));
    env.advance('72h');

    expect(findingsOf(env, 'P8').map((f) => f.observed)).toEqual([expect.objectContaining({ reported_due_time: due })]);
  });

  it('treats more than 1,000 people affected as a trigger, and exactly 1,000 not', () => {
    const over = privacyEnv();
    over.send(breach({ appi_triggers: [], records_affected: 1001 }));
    over.advance('72h');
    expect(findingsOf(over, 'P8').map((f) => f.observed)).toEqual([expect.objectContaining({ triggers: ['over_1000_people'] })]);

    const atThreshold = privacyEnv();
    atThreshold.send(breach({ appi_triggers: [], records_affected: 1000 }));
    atThreshold.send(breach({ incident_id: 'INC-2', appi_triggers: undefined }));
    atThreshold.advance('30d');
    expect(findingsOf(atThreshold, 'P8')).toEqual([]);
  });

  it('ignores incidents that are not breaches', () => {
    const env = privacyEnv();
    env.send(breach({ type: 'security' }));
    env.advance('30d');

    expect(findingsOf(env, 'P8')).toEqual([]);
  });

  it('reports at once when the breach is first reported after a deadline, never twice', () => {
    const env = privacyEnv();
    env.advanceTo(START + 4 * DAY_MS);
    env.send(breach());
    expect(findingsOf(env, 'P8').map((f) => [f.severity, f.occurrence])).toEqual([['high', `high:INC-1@${at(START + 72 * HOUR_MS)}`]]);

    env.send(breach({ records_affected: 40 }));
    env.advance('2d');
    env.send(breach());
    expect(findingsOf(env, 'P8').map((f) => f.severity)).toEqual(['high', 'critical']);

    const late = privacyEnv();
    late.advanceTo(START + 6 * DAY_MS);
    late.send(breach());
    late.advance('30d');
    expect(findingsOf(late, 'P8').map((f) => f.severity)).toEqual(['critical']);
  });

  it('keeps its clocks across a restart', () => {
    const env = privacyEnv();
    env.send(breach());
    env.advance('24h');
    env.restart();
    env.advance('4d');

    expect(findingsOf(env, 'P8').map((f) => f.severity)).toEqual(['high', 'critical']);
  });

  it('keeps one clock per incident', () => {
    const env = privacyEnv();
    env.send(breach());
    env.advance('1d');
    env.send(breach({ incident_id: 'INC-2', awareness_time: at(START + DAY_MS) }));
    env.advance('72h');

    expect(findingsOf(env, 'P8').map((f) => [f.scope, f.severity])).toEqual([
      ['incident:INC-1', 'high'],
      ['incident:INC-2', 'high'],
    ]);
  });

  it('watches at most 500 breaches, and says so for the next', () => {
    const env = privacyEnv();
    for (let i = 0; i <= 500; i++) env.send(breach({ incident_id: `INC-${i}` }));
    expect(findingsOf(env, 'P8').map((f) => [f.scope, f.observed])).toEqual([
      ['state-limit', { state_limit: 'breaches awaiting a preliminary report', limit: 500, day: '2026-01-05', incident_id: 'INC-500' }],
    ]);
    env.advance('3d');
    expect(findingsOf(env, 'P8').filter((f) => f.scope !== 'state-limit')).toHaveLength(500);
  });
});
