import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { Sector } from '@kanshi/contracts';
import type { RuleDefinition } from './rule';

const SECTOR_MODULE_METADATA = 'kanshi:sector-module';

/** What a sector module declares about itself. */
export interface SectorModuleOptions {
  /** Unique, stable id (`general`, `finance-fsa`, `acme-bank-internal`). */
  readonly id: string;
  /** One line on what the module checks, shown in logs and the rules API. */
  readonly description: string;
  /** Sectors whose models the module judges; `'all'` for every model, known or not. */
  readonly sectors: readonly Sector[] | 'all';
  /** The module's rules; ids must be unique across every module the engine loads. */
  readonly rules: readonly RuleDefinition[];
  /** Semver range of `@kanshi/policy-sdk` the module was built for, checked at engine boot. */
  readonly compatibility: string;
}

/**
 * Declares a class as a sector module: a Nest module carrying the module's id, sectors, rules
 * and SDK compatibility range.
 *
 * @example
 * ```ts
 * import { SectorModule } from '@kanshi/policy-sdk';
 * import { highScore } from './high-score.rule';
 *
 * @SectorModule({
 *   id: 'acme-bank-internal',
 *   description: 'ACME Bank internal model standards',
 *   sectors: ['finance'],
 *   rules: [highScore],
 *   compatibility: '^0.2.2',
 * })
 * export class AcmeBankSectorModule {}
 * ```
 */
export function SectorModule(options: SectorModuleOptions): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(SECTOR_MODULE_METADATA, options, target);
    Module({})(target);
  };
}

/**
 * Reads what {@link SectorModule} declared, or `undefined` for an undecorated class.
 *
 * @example
 * ```ts
 * getSectorModuleOptions(AcmeBankSectorModule)?.rules.map((r) => r.id); // ['X1']
 * ```
 */
export function getSectorModuleOptions(target: unknown): SectorModuleOptions | undefined {
  if (typeof target !== 'function') return undefined;
  return Reflect.getOwnMetadata(SECTOR_MODULE_METADATA, target) as SectorModuleOptions | undefined;
}
