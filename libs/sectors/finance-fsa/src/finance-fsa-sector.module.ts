import { SectorModule } from '@kanshi/policy-sdk';
import { f1UnapprovedVersionDeployed } from './f1-unapproved-version-deployed.rule';
import { f2ValidationOverdue } from './f2-validation-overdue.rule';
import { f3ExplanationCoverage } from './f3-explanation-coverage.rule';
import { f4PerformanceMetricMissing } from './f4-performance-metric-missing.rule';
import { f5DiscriminationDrop } from './f5-discrimination-drop.rule';
import { f6CalibrationRatio } from './f6-calibration-ratio.rule';
import { f7PopulationStability } from './f7-population-stability.rule';
import { f8HumanOverrideRate } from './f8-human-override-rate.rule';
import { f9VendorModelUnvalidated } from './f9-vendor-model-unvalidated.rule';
import { f10UseOutsideApprovedScope } from './f10-use-outside-approved-scope.rule';
import { f11GenerativeGrounding } from './f11-generative-grounding.rule';
import { f12MisconductNotificationClock } from './f12-misconduct-notification-clock.rule';

/** FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models */
@SectorModule({
  id: 'finance-fsa',
  description: 'FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models',
  sectors: ['finance'],
  rules: [
    f1UnapprovedVersionDeployed,
    f2ValidationOverdue,
    f3ExplanationCoverage,
    f4PerformanceMetricMissing,
    f5DiscriminationDrop,
    f6CalibrationRatio,
    f7PopulationStability,
    f8HumanOverrideRate,
    f9VendorModelUnvalidated,
    f10UseOutsideApprovedScope,
    f11GenerativeGrounding,
    f12MisconductNotificationClock,
  ],
  compatibility: '^0.2.3',
})
export class FinanceFsaSectorModule {}
