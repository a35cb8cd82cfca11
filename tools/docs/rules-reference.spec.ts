import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSectorModuleOptions } from '@kanshi/policy-sdk';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { RULES_REFERENCE_PATH, rulesReference } from './rules-reference';

describe('docs/rules.md', () => {
  it('is current: regenerate it with `npm run docs:rules` after changing a rule', () => {
    const committed = readFileSync(join(__dirname, '../..', RULES_REFERENCE_PATH), 'utf8');
    expect(committed).toBe(rulesReference(BUILT_IN_SECTOR_MODULES));
  });

  it('documents every rule of every built-in module with its source and defaults', () => {
    const text = rulesReference(BUILT_IN_SECTOR_MODULES);
    for (const module of BUILT_IN_SECTOR_MODULES) {
      for (const rule of getSectorModuleOptions(module)?.rules ?? []) {
        expect(text).toContain(`### ${rule.id} — ${rule.title}`);
        expect(text).toContain(rule.source.replace(/\|/g, '\\|'));
      }
    }
  });
});
