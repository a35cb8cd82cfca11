import { createTestSectorEnvironment, type ModelProfile, type TestSectorEnvironment, type TestSectorEnvironmentOptions } from '@kanshi/policy-sdk';
import { FinanceFsaSectorModule } from './finance-fsa-sector.module';

/** Test helpers shared by the finance rule specs. */
export const START = Date.parse('2026-01-05T00:00:00Z');

export type FinanceModel = Partial<ModelProfile> & Pick<ModelProfile, 'modelId'>;

export function creditModel(fields: Partial<FinanceModel> = {}): FinanceModel {
  return { modelId: 'credit', name: 'Retail credit score', sectors: ['finance'], riskTier: 'T1', ...fields };
}

export function financeEnv(options: TestSectorEnvironmentOptions = {}): TestSectorEnvironment {
  return createTestSectorEnvironment(FinanceFsaSectorModule, { models: [creditModel()], ...options });
}

export function findingsOf(env: TestSectorEnvironment, ruleId: string) {
  return env.findings.filter((f) => f.rule.rule.id === ruleId);
}

export function clearsOf(env: TestSectorEnvironment, ruleId: string) {
  return env.clears.filter((c) => c.rule.rule.id === ruleId);
}

export function at(time: number): string {
  return new Date(time).toISOString();
}
