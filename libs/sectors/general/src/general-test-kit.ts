import { createTestSectorEnvironment, HOUR_MS, type TestEvent, type TestSectorEnvironment, type TestSectorEnvironmentOptions } from '@kanshi/policy-sdk';
import { GeneralSectorModule } from './general-sector.module';

/** Test helpers shared by the general rule specs (not exported from the module). */
export const START = Date.parse('2026-01-05T00:00:00Z');
export const MODEL_ID = 'assistant';

/** An environment with one registered model, so G1 stays quiet. */
export function generalEnv(options: TestSectorEnvironmentOptions = {}): TestSectorEnvironment {
  return createTestSectorEnvironment(GeneralSectorModule, {
    models: [{ modelId: MODEL_ID, name: 'Customer assistant', sectors: ['finance'], riskTier: 'T2', owner: 'ml@acme', intendedUse: 'support' }],
    ...options,
  });
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

/**
 * Sends `count` events built by `make(i)`, spread evenly over `span` ms from `from` (default:
 * within the first hour), in time order.
 */
export function sendMany(env: TestSectorEnvironment, count: number, from: number, make: (i: number) => Omit<TestEvent, 'timestamp'>, span = HOUR_MS / 2): void {
  for (let i = 0; i < count; i++) env.send({ ...make(i), timestamp: at(from + Math.floor((i * span) / Math.max(count, 1))) });
}
