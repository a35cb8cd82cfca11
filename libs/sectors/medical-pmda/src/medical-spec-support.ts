import { createTestSectorEnvironment, type ModelProfile, type TestSectorEnvironment, type TestSectorEnvironmentOptions } from '@kanshi/policy-sdk';
import { MedicalPmdaSectorModule } from './medical-pmda-sector.module';

/** Shared fixtures of the medical rule specs (not exported from the module's index). */

export const START = Date.parse('2026-01-05T00:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const iso = (time: number): string => new Date(time).toISOString();

/** A Class III chest X-ray triage device with an approved version and a confirmed change plan. */
export const DEVICE: Partial<ModelProfile> & Pick<ModelProfile, 'modelId'> = {
  modelId: 'cxr-triage',
  name: 'Chest X-ray triage',
  sectors: ['medical'],
  riskTier: 'class-III',
  owner: 'qa@clinic.example',
  intendedUse: 'Triage of adult chest X-rays',
  approvedUseScope: ['adult_chest_xray'],
  approvedVersions: [
    { version: '1.0.0', hash: 'sha256:aaa' },
    { version: '1.1.0', hash: null },
  ],
  changePlan: { ref: 'IDATEN-2025-001', scope: ['retraining', 'threshold'] },
};

export function medicalEnv(device: Partial<ModelProfile> = {}, options: Omit<TestSectorEnvironmentOptions, 'models'> = {}): TestSectorEnvironment {
  return createTestSectorEnvironment(MedicalPmdaSectorModule, { models: [{ ...DEVICE, ...device }], ...options });
}

export const findingsOf = (env: TestSectorEnvironment, ruleId: string) => env.findings.filter((f) => f.rule.rule.id === ruleId);
export const clearsOf = (env: TestSectorEnvironment, ruleId: string) => env.clears.filter((c) => c.rule.rule.id === ruleId);

/** An incident payload with the required fields filled in. */
export function incident(id: string, fields: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { incident_id: id, type: 'harm', severity: 'high', awareness_time: iso(START), ...fields };
}
