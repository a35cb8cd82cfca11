import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { satisfies, validRange } from 'semver';
import type { EventType, Sector } from '@kanshi/contracts';
import {
  getSectorModuleOptions,
  POLICY_SDK_VERSION,
  type ModelProfile,
  type RuleDefinition,
  type SectorModuleOptions,
} from '@kanshi/policy-sdk';

const RULE_ID = /^[A-Za-z][A-Za-z0-9._-]{0,31}$/;

/** A sector module that cannot be loaded; the engine refuses to start with this message. */
export class SectorModuleError extends Error {
  override readonly name = 'SectorModuleError';
}

/** A rule as the engine runs it: its module, and its default arguments already resolved. */
export interface RegisteredRule {
  readonly moduleId: string;
  /** Sector recorded on findings: the model's sector the module matched, or `general`. */
  readonly moduleSectors: readonly Sector[] | 'all';
  readonly rule: RuleDefinition;
  readonly defaultArgs: Readonly<Record<string, unknown>>;
}

/**
 * Loads sector modules once at boot: checks each one's SDK compatibility range, rule ids and
 * argument defaults, then answers "which rules judge this event" from precomputed tables so the
 * hot path does no searching.
 */
export class SectorModuleRegistry {
  private readonly forEveryModel: RegisteredRule[] = [];
  private readonly bySector = new Map<Sector, RegisteredRule[]>();
  private readonly routeCache = new Map<string, readonly RegisteredRule[]>();

  private constructor(readonly modules: readonly SectorModuleOptions[]) {
    for (const options of modules) {
      for (const rule of options.rules) {
        const registered: RegisteredRule = {
          moduleId: options.id,
          moduleSectors: options.sectors,
          rule,
          defaultArgs: Object.freeze(resolveDefaultArgs(options.id, rule)),
        };
        if (options.sectors === 'all') {
          this.forEveryModel.push(registered);
        } else {
          for (const sector of options.sectors) {
            this.bySector.set(sector, [...(this.bySector.get(sector) ?? []), registered]);
          }
        }
      }
    }
  }

  /** Reads and checks the modules; throws {@link SectorModuleError} naming what is wrong. */
  static load(moduleClasses: readonly unknown[], sdkVersion: string = POLICY_SDK_VERSION): SectorModuleRegistry {
    const modules: SectorModuleOptions[] = [];
    const moduleIds = new Set<string>();
    const ruleOwners = new Map<string, string>();
    for (const moduleClass of moduleClasses) {
      const options = getSectorModuleOptions(moduleClass);
      const className = typeof moduleClass === 'function' ? moduleClass.name : String(moduleClass);
      if (!options) {
        throw new SectorModuleError(`${className} is not a sector module: decorate it with @SectorModule({ ... }).`);
      }
      if (options.compatibility.trim() === '' || !validRange(options.compatibility)) {
        throw new SectorModuleError(
          `Sector module "${options.id}" declares compatibility "${options.compatibility}", which is not a semver range.`,
        );
      }
      if (!satisfies(sdkVersion, options.compatibility)) {
        throw new SectorModuleError(
          `Sector module "${options.id}" requires @kanshi/policy-sdk ${options.compatibility}, ` +
            `but this engine provides ${sdkVersion}. Upgrade the module or the engine so the versions match.`,
        );
      }
      if (moduleIds.has(options.id)) {
        throw new SectorModuleError(`Two sector modules use the id "${options.id}"; module ids must be unique.`);
      }
      moduleIds.add(options.id);
      for (const rule of options.rules) {
        if (!RULE_ID.test(rule.id)) {
          throw new SectorModuleError(
            `Rule id "${rule.id}" of "${options.id}" is not valid: use letters, digits, ".", "_" or "-" (at most 32), starting with a letter.`,
          );
        }
        const owner = ruleOwners.get(rule.id);
        if (owner !== undefined) {
          throw new SectorModuleError(
            `Rule id "${rule.id}" is declared by both "${owner}" and "${options.id}"; rule ids must be unique.`,
          );
        }
        ruleOwners.set(rule.id, options.id);
      }
      modules.push(options);
    }
    return new SectorModuleRegistry(modules);
  }

  /**
   * The rules that judge an event of this type for this model: every rule of the modules for
   * all models, plus the rules of the modules of the model's sectors. Unknown models get the
   * former only.
   */
  rulesFor(eventType: EventType, model: ModelProfile | undefined): readonly RegisteredRule[] {
    const sectors = model?.sectors ?? [];
    const cacheKey = `${eventType}|${sectors.join(',')}`;
    const cached = this.routeCache.get(cacheKey);
    if (cached) return cached;
    const seen = new Set<RegisteredRule>();
    const matched: RegisteredRule[] = [];
    const candidates = [this.forEveryModel, ...sectors.map((s) => this.bySector.get(s) ?? [])];
    for (const registered of candidates.flat()) {
      if (seen.has(registered)) continue;
      seen.add(registered);
      const reads = registered.rule.reads;
      if (reads === 'all' || reads.includes(eventType)) matched.push(registered);
    }
    this.routeCache.set(cacheKey, matched);
    return matched;
  }
}

function resolveDefaultArgs(moduleId: string, rule: RuleDefinition): Record<string, unknown> {
  const defaults = Value.Default(rule.args, {}) as Record<string, unknown>;
  const check = TypeCompiler.Compile(rule.args);
  if (!check.Check(defaults)) {
    const first = [...check.Errors(defaults)][0];
    throw new SectorModuleError(
      `Rule ${rule.id} of "${moduleId}" has arguments without valid defaults` +
        (first ? ` (${first.path || '/'}: ${first.message})` : '') +
        '; give every argument a default.',
    );
  }
  return defaults;
}
