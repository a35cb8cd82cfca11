import { checkSectorModule, createTestSectorEnvironment } from '@kanshi/policy-sdk';
import { AcmeCreditOverrideModule } from './acme-credit-override.module';
import { DAY } from './unauthorised-limit-override.rule';

const limitModel = { modelId: 'credit-limit', sectors: ['finance'] as const, riskTier: 'T1' };
const override = (role: string) => ({ event_type: 'human_override' as const, payload: { action: 'override', reviewer_role: role } });

describe('ACME credit-override plug-in, through the conformance kit', () => {
  it('conforms to the SDK the engine provides', () => {
    expect(checkSectorModule(AcmeCreditOverrideModule)).toEqual([]);
  });

  it('flags an override by a role that may not override, as high', () => {
    const env = createTestSectorEnvironment(AcmeCreditOverrideModule, { models: [limitModel] });
    env.send(override('branch_clerk'));
    env.send({ event_type: 'human_override', payload: { action: 'confirm', reviewer_role: 'branch_clerk' } });

    expect(env.findings.map((f) => [f.scope, f.severity, f.observed])).toEqual([['role:branch_clerk', 'high', { reviewer_role: 'branch_clerk' }]]);
  });

  it('flags the override that goes past the daily limit once, and counts each day apart', () => {
    const env = createTestSectorEnvironment(AcmeCreditOverrideModule, { models: [limitModel], args: { 'ACME-1': { maxPerReviewerPerDay: 3 } } });
    for (let i = 0; i < 3; i++) env.send(override('credit_officer'));
    expect(env.findings).toEqual([]);
    env.restart();
    env.send(override('credit_officer'));
    env.send(override('credit_officer'));
    expect(env.findings.map((f) => [f.scope, f.observed])).toEqual([['reviewer:credit_officer', { overrides: 4, day: '2026-01-05' }]]);

    env.advance(DAY);
    for (let i = 0; i < 3; i++) env.send(override('credit_officer'));
    expect(env.findings).toHaveLength(1);
  });

  it('leaves models outside finance alone', () => {
    const env = createTestSectorEnvironment(AcmeCreditOverrideModule, { models: [{ modelId: 'triage', sectors: ['medical'] }] });
    env.send(override('branch_clerk'));
    expect(env.findings).toEqual([]);
  });
});
