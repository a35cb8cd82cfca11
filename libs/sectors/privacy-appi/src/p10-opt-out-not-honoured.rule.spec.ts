import { DAY_MS } from '@kanshi/policy-sdk';
import { at, dataUsage, findingsOf, privacyEnv, START } from './privacy-test-support';

function optOut(fields: Readonly<Record<string, unknown>> = {}) {
  return { event_type: 'opt_out' as const, payload: { subject_pseudo_id: 'u-1', scope: 'training', action: 'request', ...fields } };
}

describe('P10 opt-out not honoured', () => {
  describe('SLA', () => {
    it('fires, high, when the opt-out is not applied 7 days after the request, with dueAt at the deadline', () => {
      const env = privacyEnv();
      env.send(optOut({ action_time: at(START) }));

      env.advanceTo(START + 7 * DAY_MS - 1);
      expect(findingsOf(env, 'P10')).toEqual([]);
      env.advance('1ms');
      expect(findingsOf(env, 'P10')).toHaveLength(1);
      expect(findingsOf(env, 'P10')[0]).toMatchObject({
        severity: 'high',
        scope: 'opt_out:training',
        dueAt: new Date(START + 7 * DAY_MS),
        observed: { reason: 'not_applied', subject_pseudo_id: 'u-1', opt_out_scope: 'training', requested_at: at(START), applied_at: null },
      });
    });

    it('is cleared by an opt_out event reporting the applied time within the SLA', () => {
      const env = privacyEnv();
      env.send(optOut());
      env.advance('6d');
      env.send(optOut({ action_time: at(START), applied_time: at(START + 6 * DAY_MS) }));
      env.advance('30d');

      expect(findingsOf(env, 'P10')).toEqual([]);
    });

    it('reports an opt-out applied after the deadline once, whether the timer or the applied event comes first', () => {
      const lateEvent = privacyEnv();
      lateEvent.send(optOut({ applied_time: at(START + 8 * DAY_MS) }));
      expect(findingsOf(lateEvent, 'P10').map((f) => f.observed)).toEqual([expect.objectContaining({ reason: 'applied_late', applied_at: at(START + 8 * DAY_MS) })]);

      const timerFirst = privacyEnv();
      timerFirst.send(optOut());
      timerFirst.advance('8d');
      timerFirst.send(optOut({ applied_time: at(START + 8 * DAY_MS) }));
      expect(findingsOf(timerFirst, 'P10').map((f) => f.observed)).toEqual([expect.objectContaining({ reason: 'not_applied' })]);
    });

    it('keeps the first request’s clock on a repeated request, forgets a revoked one, and uses the event time without action_time', () => {
      const env = privacyEnv();
      env.send(optOut());
      env.advance('3d');
      env.send(optOut());
      env.send(optOut({ subject_pseudo_id: 'u-2' }));
      env.advance('1d');
      env.send(optOut({ subject_pseudo_id: 'u-2', action: 'revoke' }));
      env.advance('30d');

      expect(findingsOf(env, 'P10').map((f) => [f.observed, f.dueAt])).toEqual([
        [expect.objectContaining({ subject_pseudo_id: 'u-1', requested_at: at(START) }), new Date(START + 7 * DAY_MS)],
      ]);
    });

    it('takes a tenant’s SLA and survives a restart', () => {
      const env = privacyEnv({ args: { P10: { sla: '3d' } } });
      env.send(optOut({ scope: 'recommendation' }));
      env.advance('1d');
      env.restart();
      env.advance('2d');

      expect(findingsOf(env, 'P10').map((f) => [f.scope, f.time])).toEqual([['opt_out:recommendation', START + 3 * DAY_MS]]);
    });
  });

  describe('training snapshot', () => {
    it('fires, high, when a later training snapshot lists a subject who opted out of training', () => {
      const env = privacyEnv();
      env.send(optOut({ applied_time: at(START) }));
      env.advance('1d');
      env.send(dataUsage({ dataset_id: 'snap-2026-01-06', subject_pseudo_ids: ['u-9', 'u-1'] }));

      expect(findingsOf(env, 'P10')).toHaveLength(1);
      expect(findingsOf(env, 'P10')[0]).toMatchObject({
        severity: 'high',
        scope: 'dataset:snap-2026-01-06',
        observed: { reason: 'in_training_snapshot', dataset_id: 'snap-2026-01-06', subjects: ['u-1'], count: 1 },
      });
    });

    it('ignores other opt-out scopes, revoked opt-outs, non-training uses and snapshots without the subject list', () => {
      const env = privacyEnv();
      env.send(optOut({ subject_pseudo_id: 'u-rec', scope: 'recommendation', applied_time: at(START) }));
      env.send(optOut({ subject_pseudo_id: 'u-back', applied_time: at(START) }));
      env.advance('1h');
      env.send(optOut({ subject_pseudo_id: 'u-back', action: 'revoke' }));
      env.send(optOut({ subject_pseudo_id: 'u-1', applied_time: at(START) }));
      env.advance('1h');
      env.send(dataUsage({ subject_pseudo_ids: ['u-rec', 'u-back'] }));
      env.send(dataUsage({ purpose: 'inference', subject_pseudo_ids: ['u-1'] }));
      env.send(dataUsage());

      expect(findingsOf(env, 'P10')).toEqual([]);
    });

    it('does not count an opt-out requested after the snapshot', () => {
      const env = privacyEnv();
      env.send(optOut({ action_time: at(START + DAY_MS), applied_time: at(START + DAY_MS) }));
      env.send(dataUsage({ subject_pseudo_ids: ['u-1'] }));

      expect(findingsOf(env, 'P10')).toEqual([]);
    });

    it('remembers opt-outs across a restart', () => {
      const env = privacyEnv();
      env.send(optOut({ applied_time: at(START) }));
      env.restart();
      env.advance('1d');
      env.send(dataUsage({ subject_pseudo_ids: ['u-1'] }));

      expect(findingsOf(env, 'P10').map((f) => f.observed)).toEqual([expect.objectContaining({ subjects: ['u-1'] })]);
    });

    it('forgets the oldest applied opt-outs beyond the tracking limit, and says so', () => {
      const env = privacyEnv({ args: { P10: { maxTrackedOptOuts: 2 } } });
      for (const subject of ['u-1', 'u-2', 'u-3']) env.send(optOut({ subject_pseudo_id: subject, applied_time: at(START) }));
      env.advance('1d');
      env.send(dataUsage({ subject_pseudo_ids: ['u-1', 'u-2', 'u-3'] }));

      expect(findingsOf(env, 'P10').map((f) => [f.scope, f.observed])).toEqual([
        ['state-limit', { state_limit: 'opt-outs', limit: 2, day: '2026-01-05', forgotten: 1 }],
        ['dataset:ds-1', expect.objectContaining({ subjects: ['u-2', 'u-3'] })],
      ]);
    });

    it('forgets applied opt-outs before pending ones, whatever their order, and cancels the SLA timer of a pending one it forgets', () => {
      const env = privacyEnv({ args: { P10: { maxTrackedOptOuts: 2 } } });
      env.send(optOut({ subject_pseudo_id: 'pending-old', action_time: at(START) }));
      env.send(optOut({ subject_pseudo_id: 'applied-new', action_time: at(START + 1000), applied_time: at(START + 2000) }));
      env.send(optOut({ subject_pseudo_id: 'pending-new', action_time: at(START + 3000) }));
      expect(Object.keys((env.stateOf('P10') as { optOuts: object }).optOuts).sort()).toEqual(['training|pending-new', 'training|pending-old']);

      env.send(optOut({ subject_pseudo_id: 'pending-newest', action_time: at(START + 4000) }));
      env.restart();
      env.advance('8d');
      expect(findingsOf(env, 'P10').filter((f) => f.scope !== 'state-limit').map((f) => (f.observed as { subject_pseudo_id: string }).subject_pseudo_id)).toEqual([
        'pending-new',
        'pending-newest',
      ]);
    });

    it('keeps its state within the size limit at the default cap, with long subject ids', () => {
      const env = privacyEnv();
      for (let i = 0; i < 2500; i++) env.send(optOut({ subject_pseudo_id: `subject-${i}-${'x'.repeat(30)}`, applied_time: at(START) }));
      expect(() => env.restart()).not.toThrow();
      // Full at 2,000, a tenth is forgotten at once to make room.
      expect(Object.keys((env.stateOf('P10') as { optOuts: object }).optOuts).length).toBeGreaterThanOrEqual(1800);
      expect(Object.keys((env.stateOf('P10') as { optOuts: object }).optOuts).length).toBeLessThanOrEqual(2000);
    });
  });
});
