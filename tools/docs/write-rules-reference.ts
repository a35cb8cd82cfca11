import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { RULES_REFERENCE_PATH, rulesReference } from './rules-reference';

// Run from the repository root (npm run docs:rules).
writeFileSync(join(process.cwd(), RULES_REFERENCE_PATH), rulesReference(BUILT_IN_SECTOR_MODULES));
process.stdout.write(`wrote ${RULES_REFERENCE_PATH}\n`);
