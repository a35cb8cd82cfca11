import type { AppConfig } from '@kanshi/config';
import { loadSectorModulePlugins } from '@kanshi/policy-core';
import { FinanceFsaSectorModule } from '@kanshi/sector-finance-fsa';
import { GeneralSectorModule } from '@kanshi/sector-general';
import { MedicalPmdaSectorModule } from '@kanshi/sector-medical-pmda';
import { PrivacyAppiSectorModule } from '@kanshi/sector-privacy-appi';

/** The sector modules shipped with Kanshi. */
export const BUILT_IN_SECTOR_MODULES: readonly unknown[] = [GeneralSectorModule, FinanceFsaSectorModule, MedicalPmdaSectorModule, PrivacyAppiSectorModule];

/**
 * The sector modules of an installation: the built-in ones plus the plug-ins named in
 * `KANSHI_SECTOR_MODULES`. The engine runs their rules; the API reads their metadata and
 * argument schemas, so both must see the same list.
 */
export function sectorModulesFromConfig(config: AppConfig, cwd: string = process.cwd()): unknown[] {
  return [...BUILT_IN_SECTOR_MODULES, ...loadSectorModulePlugins(config.values.sectorModules ?? [], cwd)];
}
