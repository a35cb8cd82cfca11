import { SectorModule } from '@kanshi/policy-sdk';
import { m1UnapprovedVersionDeployed } from './m1-unapproved-version-deployed.rule';
import { m2ChangeOutsidePlan } from './m2-change-outside-plan.rule';
import { m3LockedReferenceBelowClaim } from './m3-locked-reference-below-claim.rule';
import { m4RealWorldSensitivityBelowClaim } from './m4-real-world-sensitivity-below-claim.rule';
import { m5RetrainingDataWithoutBasis } from './m5-retraining-data-without-basis.rule';
import { m6InputsOutsideValidatedPopulation } from './m6-inputs-outside-validated-population.rule';
import { m7SeriousHarmReportClock } from './m7-serious-harm-report-clock.rule';
import { m8MalfunctionReportClock } from './m8-malfunction-report-clock.rule';
import { m9ReportClockRunningOut } from './m9-report-clock-running-out.rule';
import { m10InferenceAuditTrail } from './m10-inference-audit-trail.rule';
import { m11ClinicianDisagreementRate } from './m11-clinician-disagreement-rate.rule';
import { m12SecurityEventDeviceSoftware } from './m12-security-event-device-software.rule';

/** PMD Act (AI as a medical device): approval, change plan, performance and reporting checks */
@SectorModule({
  id: 'medical-pmda',
  description: 'PMD Act (AI as a medical device): approval, change plan, performance and reporting checks',
  sectors: ['medical'],
  rules: [
    m1UnapprovedVersionDeployed,
    m2ChangeOutsidePlan,
    m3LockedReferenceBelowClaim,
    m4RealWorldSensitivityBelowClaim,
    m5RetrainingDataWithoutBasis,
    m6InputsOutsideValidatedPopulation,
    m7SeriousHarmReportClock,
    m8MalfunctionReportClock,
    m9ReportClockRunningOut,
    m10InferenceAuditTrail,
    m11ClinicianDisagreementRate,
    m12SecurityEventDeviceSoftware,
  ],
  compatibility: '^0.2.3',
})
export class MedicalPmdaSectorModule {}
