import { modelRulesInForce } from '@kanshi/policy-core';
import type { RuntimeRule } from '@kanshi/policy-sdk';
import type { RulesInForce } from './report-facts';

/** The rules in force of each model, from the loaded sector modules' rules and the tenant's overrides (as `GET /v1/models/:id/policy` answers). */
export function rulesInForceOf(rules: readonly RuntimeRule[]): RulesInForce {
  return (model, overrides) =>
    modelRulesInForce(rules, model, overrides).map(({ rule, config: { moduleId: _moduleId, ...config } }) => ({ ...config, title: rule.rule.title }));
}
