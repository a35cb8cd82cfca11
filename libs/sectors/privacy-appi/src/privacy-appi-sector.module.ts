import { SectorModule } from '@kanshi/policy-sdk';

/** APPI and platform transparency laws: personal data in training, breaches, opt-outs and disclosures */
@SectorModule({
  id: 'privacy-appi',
  description: 'APPI and platform transparency laws: personal data in training, breaches, opt-outs and disclosures',
  sectors: 'all',
  rules: [],
  compatibility: '^0.2.0',
})
export class PrivacyAppiSectorModule {}
