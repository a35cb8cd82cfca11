import { SectorModule } from '@kanshi/policy-sdk';

/** FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models */
@SectorModule({
  id: 'finance-fsa',
  description: 'FSA model risk management principles, AI discussion paper and Banking Act: checks for bank models',
  sectors: ['finance'],
  rules: [],
  compatibility: '^0.2.0',
})
export class FinanceFsaSectorModule {}
