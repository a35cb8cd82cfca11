import { SectorModule } from '@kanshi/policy-sdk';
import { f1UnapprovedVersionDeployed } from './f1-unapproved-version-deployed.rule';
import { f2ValidationOverdue } from './f2-validation-overdue.rule';
import { f3ExplanationCoverage } from './f3-explanation-coverage.rule';

/** FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models */
@SectorModule({
  id: 'finance-fsa',
  description: 'FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models',
  sectors: ['finance'],
  rules: [f1UnapprovedVersionDeployed, f2ValidationOverdue, f3ExplanationCoverage],
  compatibility: '^0.2.0',
})
export class FinanceFsaSectorModule {}
