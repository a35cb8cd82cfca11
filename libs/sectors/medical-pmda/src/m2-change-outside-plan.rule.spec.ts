import { DAY, findingsOf, iso, medicalEnv, START } from './medical-spec-support';

const deploy = (payload: Record<string, unknown>) => ({ event_type: 'model_deployment' as const, payload: { version: '1.2.0', ...payload } });

describe('M2 change type outside the change plan', () => {
  it('passes a change type inside the confirmed plan', () => {
    const env = medicalEnv();
    env.send(deploy({ change_type: 'retraining' }));

    expect(findingsOf(env, 'M2')).toEqual([]);
  });

  it('fires critical for a change type outside the plan recorded in the inventory', () => {
    const env = medicalEnv();
    env.send(deploy({ change_type: 'architecture' }));

    const [finding] = findingsOf(env, 'M2');
    expect(finding).toMatchObject({ severity: 'critical', scope: 'model' });
    expect(finding?.observed).toEqual({
      change_type: 'architecture',
      version: '1.2.0',
      change_plan_ref: 'IDATEN-2025-001',
      plan_scope: ['retraining', 'threshold'],
      plan_from: 'inventory',
      changed_at: iso(START),
      notification_due: iso(START + 30 * DAY),
    });
  });

  it('carries the 30-day clock of the partial-change approval or minor-change notification, from the change', () => {
    const env = medicalEnv();
    env.advanceTo(START + 2 * DAY);
    env.send(deploy({ change_type: 'architecture' }));
    expect(findingsOf(env, 'M2').map((f) => f.dueAt?.toISOString())).toEqual([iso(START + 32 * DAY)]);

    const tenant = medicalEnv({}, { args: { M2: { notifyWithin: '14d' } } });
    tenant.send(deploy({ change_type: 'architecture' }));
    expect(findingsOf(tenant, 'M2').map((f) => f.dueAt?.toISOString())).toEqual([iso(START + 14 * DAY)]);
  });

  it('prefers the inventory plan over the scope a deployment claims', () => {
    const env = medicalEnv();
    env.send(deploy({ change_type: 'architecture', change_plan_scope: ['architecture'] }));

    expect(findingsOf(env, 'M2')).toHaveLength(1);
  });

  it("uses the deployment's plan scope when the inventory has no plan", () => {
    const env = medicalEnv({ changePlan: null });
    env.send(deploy({ change_type: 'threshold', change_plan_ref: 'IDATEN-X', change_plan_scope: ['threshold'] }));
    env.send(deploy({ change_type: 'retraining', change_plan_ref: 'IDATEN-X', change_plan_scope: ['threshold'] }));

    expect(findingsOf(env, 'M2').map((f) => f.observed)).toEqual([expect.objectContaining({ change_type: 'retraining', change_plan_ref: 'IDATEN-X', plan_from: 'deployment' })]);
  });

  it('fires for any change when no plan is known on either side', () => {
    const env = medicalEnv({ changePlan: null });
    env.send(deploy({ change_type: 'threshold' }));

    expect(findingsOf(env, 'M2').map((f) => f.observed)).toEqual([expect.objectContaining({ plan_from: 'none', change_plan_ref: null, plan_scope: [] })]);
  });

  it('skips a deployment that reports no change type', () => {
    const env = medicalEnv({ changePlan: null });
    env.send(deploy({}));

    expect(findingsOf(env, 'M2')).toEqual([]);
  });
});
