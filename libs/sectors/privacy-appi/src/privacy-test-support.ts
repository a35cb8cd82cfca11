import { createTestSectorEnvironment, type TestEvent, type TestSectorEnvironment, type TestSectorEnvironmentOptions } from '@kanshi/policy-sdk';
import { PrivacyAppiSectorModule } from './privacy-appi-sector.module';

/* Shared by the privacy rule specs: the module under test with one registered model. */

export const START = Date.parse('2026-01-05T00:00:00Z');

export function privacyEnv(options: TestSectorEnvironmentOptions = {}): TestSectorEnvironment {
  return createTestSectorEnvironment(PrivacyAppiSectorModule, { models: [{ modelId: 'recsys', sectors: ['platform'] }], ...options });
}

export function findingsOf(env: TestSectorEnvironment, ruleId: string) {
  return env.findings.filter((f) => f.rule.rule.id === ruleId);
}

export function clearsOf(env: TestSectorEnvironment, ruleId: string) {
  return env.clears.filter((c) => c.rule.rule.id === ruleId);
}

/** A `data_usage` event: personal data for training unless the fields say otherwise. */
export function dataUsage(fields: Readonly<Record<string, unknown>> = {}, envelope: Partial<TestEvent> = {}): TestEvent {
  return { ...envelope, event_type: 'data_usage', payload: { dataset_id: 'ds-1', purpose: 'training', data_categories: ['personal'], ...fields } };
}

export function at(time: number): string {
  return new Date(time).toISOString();
}
