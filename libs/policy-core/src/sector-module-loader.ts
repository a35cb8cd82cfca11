import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { getSectorModuleOptions } from '@kanshi/policy-sdk';
import { SectorModuleError } from './sector-module-registry';

/**
 * Loads sector-module plug-ins named in configuration (`KANSHI_SECTOR_MODULES`): a path
 * (relative to `cwd`) or a package name resolved from `cwd`, each exporting one or more classes
 * decorated with `@SectorModule`. Their SDK range and rules are checked by the registry like
 * the built-in modules'. Throws {@link SectorModuleError} naming the plug-in that cannot load.
 */
export function loadSectorModulePlugins(specifiers: readonly string[], cwd: string = process.cwd()): unknown[] {
  const requireFromCwd = createRequire(join(cwd, 'package.json'));
  return specifiers.flatMap((specifier) => {
    const target = specifier.startsWith('.') || isAbsolute(specifier) ? resolve(cwd, specifier) : specifier;
    let exported: unknown;
    try {
      exported = requireFromCwd(target) as unknown;
    } catch (error) {
      throw new SectorModuleError(
        `Could not load the sector-module plug-in "${specifier}" named in KANSHI_SECTOR_MODULES: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
    const modules: unknown[] = Object.values(typeof exported === 'object' && exported !== null ? exported : {}).filter(
      (value) => getSectorModuleOptions(value) !== undefined,
    );
    if (modules.length === 0) {
      throw new SectorModuleError(`The plug-in "${specifier}" named in KANSHI_SECTOR_MODULES exports no class decorated with @SectorModule.`);
    }
    return modules;
  });
}
