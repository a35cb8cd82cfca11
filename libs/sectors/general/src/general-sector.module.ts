import { SectorModule } from '@kanshi/policy-sdk';
import { g1ModelNotInInventory } from './g1-model-not-in-inventory.rule';

/** Checks from the AI Guidelines for Business that apply to every model in every sector. */
@SectorModule({
  id: 'general',
  description: 'AI Promotion Act and AI Guidelines for Business: checks for every model',
  sectors: 'all',
  rules: [g1ModelNotInInventory],
  compatibility: '^0.2.0',
})
export class GeneralSectorModule {}
