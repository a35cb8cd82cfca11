import { SectorModule } from '@kanshi/policy-sdk';

/** PMD Act (AI as a medical device): approval, change plan, performance and reporting checks */
@SectorModule({
  id: 'medical-pmda',
  description: 'PMD Act (AI as a medical device): approval, change plan, performance and reporting checks',
  sectors: ['medical'],
  rules: [],
  compatibility: '^0.2.0',
})
export class MedicalPmdaSectorModule {}
