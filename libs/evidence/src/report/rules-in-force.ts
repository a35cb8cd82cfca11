import { modelRulesInForce } from '@kanshi/policy-core';
import type { RuntimeRule } from '@kanshi/policy-sdk';
import type { RulesInForce } from './report-facts';

/** The rules in force of each model, from the loaded sector modules' rules and the tenant's overrides (as `GET /v1/models/:id/policy` answers). */
export function rulesInForceOf(rules: readonly RuntimeRule[]): RulesInForce {
  return (model, overrides) =>
    modelRulesInForce(rules, model, overrides).map(({ rule, config }) => ({
      ruleId: config.ruleId,
      title: rule.rule.title,
      enabled: config.enabled,
      enabledSource: config.enabledSource,
      args: config.args,
      argSources: config.argSources,
    }));
}
