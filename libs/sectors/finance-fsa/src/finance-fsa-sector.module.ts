import { SectorModule } from '@kanshi/policy-sdk';
import { f1UnapprovedVersionDeployed } from './f1-unapproved-version-deployed.rule';
import { f2ValidationOverdue } from './f2-validation-overdue.rule';
import { f3ExplanationCoverage } from './f3-explanation-coverage.rule';
import { f4PerformanceMetricMissing } from './f4-performance-metric-missing.rule';
import { f5DiscriminationDrop } from './f5-discrimination-drop.rule';
import { f6CalibrationRatio } from './f6-calibration-ratio.rule';

/** FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models */
@SectorModule({
  id: 'finance-fsa',
  description: 'FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models',
  sectors: ['finance'],
  rules: [f1UnapprovedVersionDeployed, f2ValidationOverdue, f3ExplanationCoverage, f4PerformanceMetricMissing, f5DiscriminationDrop, f6CalibrationRatio],
  compatibility: '^0.2.0',
})
export class FinanceFsaSectorModule {}
