import { SectorModule } from '@kanshi/policy-sdk';
import { unauthorisedLimitOverride } from './unauthorised-limit-override.rule';

/** ACME Bank's internal credit-model policies, as a plug-in for the Kanshi engine. */
@SectorModule({
  id: 'acme-credit-override',
  description: "ACME Bank's internal policy on manual credit-limit overrides",
  sectors: ['finance'],
  rules: [unauthorisedLimitOverride],
  compatibility: '^0.2.0',
})
export class AcmeCreditOverrideModule {}
