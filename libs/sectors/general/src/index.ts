export { GeneralSectorModule } from './general-sector.module';
export { g1ModelNotInInventory } from './g1-model-not-in-inventory.rule';
