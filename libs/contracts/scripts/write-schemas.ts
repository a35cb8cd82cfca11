/*
 * Writes libs/contracts/schemas/*.json from the TypeBox definitions. After `npm run build`:
 *   node dist/libs/contracts/scripts/write-schemas.js          (write)
 *   node dist/libs/contracts/scripts/write-schemas.js --check  (exit 1 if the file is stale)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TELEMETRY_JSON_SCHEMA_PATH, telemetryJsonSchemaText } from '../src/telemetry-json-schema';

/** The repository root: the nearest folder up from here holding nest-cli.json (works from src and dist). */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nest-cli.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no nest-cli.json above ${from}`);
  }
}

function main(): void {
  const file = join(repositoryRoot(__dirname), TELEMETRY_JSON_SCHEMA_PATH);
  const text = telemetryJsonSchemaText();
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (process.argv.includes('--check')) {
    if (current !== text) {
      console.error(`${TELEMETRY_JSON_SCHEMA_PATH} is stale: run node dist/libs/contracts/scripts/write-schemas.js`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(file, text);
  console.log(`${current === text ? 'unchanged' : 'wrote'} ${TELEMETRY_JSON_SCHEMA_PATH}`);
}

main();
