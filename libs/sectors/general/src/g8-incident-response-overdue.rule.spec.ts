import { DAY_MS, HOUR_MS } from '@kanshi/policy-sdk';
import { at, findingsOf, generalEnv, START } from './general-test-kit';

const incident = (fields: Record<string, unknown> = {}) => ({
  event_type: 'incident' as const,
  payload: { incident_id: 'inc-1', type: 'safety', severity: 'high', awareness_time: at(START), ...fields },
});
const ACK_DUE = START + DAY_MS;
const ROOT_DUE = START + 30 * DAY_MS;

describe('G8 incident response overdue', () => {
  it('reports a high incident not acknowledged in 24h (high) and without root cause in 30d (medium)', () => {
    const env = generalEnv();
    env.send({ ...incident(), timestamp: at(START) });
    env.advanceTo(ACK_DUE - 1);
    expect(findingsOf(env, 'G8')).toEqual([]);
    env.advanceTo(ACK_DUE);
    env.advanceTo(ROOT_DUE);

    expect(findingsOf(env, 'G8').map((f) => [f.scope, f.severity, f.dueAt, f.occurrence, f.evidence])).toEqual([
      ['incident:inc-1:ack', 'high', new Date(ACK_DUE), 'ack:inc-1', ['test-event-1']],
      ['incident:inc-1:root_cause', 'medium', new Date(ROOT_DUE), 'root_cause:inc-1', ['test-event-1']],
    ]);
    expect(findingsOf(env, 'G8')[0]?.observed).toEqual({
      incident_id: 'inc-1',
      incident_type: 'safety',
      incident_severity: 'high',
      awareness_time: at(START),
      missing: 'not acknowledged',
      due: at(ACK_DUE),
      done_at: null,
    });
  });

  it('stops each clock when a later update carries the time, even if later updates omit it', () => {
    const env = generalEnv();
    env.send({ ...incident(), timestamp: at(START) });
    env.send({ ...incident({ ack_time: at(ACK_DUE) }), timestamp: at(ACK_DUE - HOUR_MS) });
    env.send({ ...incident(), timestamp: at(START + 2 * DAY_MS) });
    env.send({ ...incident({ root_cause_time: at(START + 10 * DAY_MS) }), timestamp: at(START + 10 * DAY_MS) });
    env.advance('60d');

    expect(findingsOf(env, 'G8')).toEqual([]);
  });

  it('reports an acknowledgement that came after the deadline, once', () => {
    const env = generalEnv({ start: at(START + 3 * DAY_MS) });
    env.send({ ...incident({ ack_time: at(START + 2 * DAY_MS) }), timestamp: at(START + 3 * DAY_MS) });
    env.send({ ...incident({ ack_time: at(START + 2 * DAY_MS) }), timestamp: at(START + 3 * DAY_MS + 1) });

    expect(findingsOf(env, 'G8').map((f) => [f.occurrence, (f.observed as { done_at: string }).done_at])).toEqual([['ack:inc-1', at(START + 2 * DAY_MS)]]);
  });

  it('ignores lower severities and stops the clocks when an update lowers the severity', () => {
    const env = generalEnv();
    env.send({ ...incident({ incident_id: 'inc-low', severity: 'medium' }), timestamp: at(START) });
    env.send({ ...incident(), timestamp: at(START) });
    env.send({ ...incident({ severity: 'low' }), timestamp: at(START + HOUR_MS) });
    env.advance('40d');

    expect(findingsOf(env, 'G8')).toEqual([]);
  });

  it('keeps its clocks across a restart and follows the deadline arguments', () => {
    const env = generalEnv({ args: { G8: { severities: ['critical'], ackWithin: '4h' } } });
    env.send({ ...incident({ severity: 'high', incident_id: 'inc-high' }), timestamp: at(START) });
    env.send({ ...incident({ severity: 'critical' }), timestamp: at(START) });
    env.restart();
    env.advanceTo(START + 4 * HOUR_MS);

    expect(findingsOf(env, 'G8').map((f) => [f.scope, f.dueAt])).toEqual([['incident:inc-1:ack', new Date(START + 4 * HOUR_MS)]]);
  });

  it('tracks at most maxIncidents open incidents and says so for the next', () => {
    const env = generalEnv({ args: { G8: { maxIncidents: 2 } } });
    for (const id of ['inc-1', 'inc-2', 'inc-3']) env.send({ ...incident({ incident_id: id }), timestamp: at(START) });
    env.send({ ...incident({ incident_id: 'inc-1', ack_time: at(START), root_cause_time: at(START) }), timestamp: at(START) });
    env.send({ ...incident({ incident_id: 'inc-4' }), timestamp: at(START) });
    env.advanceTo(ACK_DUE);

    expect(findingsOf(env, 'G8').map((f) => f.occurrence)).toEqual(['state-limit:open incidents@2026-01-05', 'ack:inc-2', 'ack:inc-4']);
    expect(findingsOf(env, 'G8')[0]?.observed).toMatchObject({ state_limit: 'open incidents', limit: 2, incident_id: 'inc-3' });
  });
});
