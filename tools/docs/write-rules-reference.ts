import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTOR_MODULES } from '../../apps/policy-engine/src/policy-engine.module';
import { RULES_REFERENCE_PATH, rulesReference } from './rules-reference';

// Run from the repository root (npm run docs:rules).
writeFileSync(join(process.cwd(), RULES_REFERENCE_PATH), rulesReference(SECTOR_MODULES));
process.stdout.write(`wrote ${RULES_REFERENCE_PATH}\n`);
