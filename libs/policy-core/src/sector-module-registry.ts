import type { EventType } from '@kanshi/contracts';
import {
  checkSectorModule,
  getSectorModuleOptions,
  POLICY_SDK_VERSION,
  RuleRuntime,
  runtimeRules,
  type ModelProfile,
  type RuntimeRule,
  type SectorModuleOptions,
} from '@kanshi/policy-sdk';

/** A sector module that cannot be loaded; the engine refuses to start with this message. */
export class SectorModuleError extends Error {
  override readonly name = 'SectorModuleError';
}

/** A rule as the engine runs it: its module, and its default arguments already resolved. */
export type RegisteredRule = RuntimeRule;

/**
 * Loads sector modules once at boot: each module passes the SDK's conformance checks (SDK
 * range, rule ids, argument defaults), module and rule ids are unique across modules; then
 * answers "which rules judge this event" from precomputed routes.
 */
export class SectorModuleRegistry {
  private readonly router: RuleRuntime;

  private constructor(
    readonly modules: readonly SectorModuleOptions[],
    readonly rules: readonly RegisteredRule[],
  ) {
    this.router = new RuleRuntime(rules);
  }

  /** Reads and checks the modules; throws {@link SectorModuleError} naming what is wrong. */
  static load(moduleClasses: readonly unknown[], sdkVersion: string = POLICY_SDK_VERSION): SectorModuleRegistry {
    const modules: SectorModuleOptions[] = [];
    const ruleOwners = new Map<string, string>();
    for (const moduleClass of moduleClasses) {
      const problems = checkSectorModule(moduleClass, sdkVersion);
      if (problems.length > 0) throw new SectorModuleError(problems.join(' '));
      const options = getSectorModuleOptions(moduleClass) as SectorModuleOptions;
      if (modules.some((m) => m.id === options.id)) {
        throw new SectorModuleError(`Two sector modules use the id "${options.id}"; module ids must be unique.`);
      }
      for (const rule of options.rules) {
        const owner = ruleOwners.get(rule.id);
        if (owner !== undefined) {
          throw new SectorModuleError(`Rule id "${rule.id}" is declared by both "${owner}" and "${options.id}"; rule ids must be unique.`);
        }
        ruleOwners.set(rule.id, options.id);
      }
      modules.push(options);
    }
    return new SectorModuleRegistry(modules, runtimeRules(modules));
  }

  /**
   * The rules that judge an event of this type for this model: every rule of the modules for
   * all models, plus the rules of the modules of the model's sectors. Unknown models get the
   * former only.
   */
  rulesFor(eventType: EventType, model: ModelProfile | undefined): readonly RegisteredRule[] {
    return this.router.rulesFor(eventType, model);
  }
}
