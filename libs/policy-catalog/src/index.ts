export { BUILT_IN_SECTOR_MODULES, sectorModulesFromConfig } from './sector-modules';
