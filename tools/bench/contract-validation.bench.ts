import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTelemetryEvent, validateTelemetryEvent } from '@kanshi/contracts';

/**
 * Micro-benchmark of the telemetry contract on one core: events/s for validation alone (already
 * parsed) and for the engine's full decode (bytes -> JSON.parse -> validate), for the example of
 * every event type and for invalid variants. Prints figures; asserts nothing.
 *   npm run bench:contracts [-- --seconds 1]
 */
const EXAMPLES = join(__dirname, '..', '..', '..', 'libs', 'contracts', 'examples');
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 0.5;

function rate(run: () => unknown): number {
  for (let i = 0; i < 2000; i += 1) run(); // warm up the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 500; i += 1) run();
    n += 500;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const fmt = (r: number): string => `${Math.round(r / 1000).toLocaleString('en-US').padStart(6)}k/s`;

const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.replace(/\.json$/, ''), event: JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as Record<string, unknown> }));

process.stdout.write(`telemetry contract, one core, ${SECONDS}s per case (node ${process.version})\n\n`);
process.stdout.write(`${'case'.padEnd(34)}${'validate'.padStart(12)}${'decode'.padStart(12)}  bytes\n`);
const validRates: number[] = [];
const validateRates: number[] = [];
for (const { name, event } of examples) {
  const bytes = Buffer.from(JSON.stringify(event));
  const v = rate(() => validateTelemetryEvent(event));
  const d = rate(() => decodeTelemetryEvent(bytes));
  validRates.push(d);
  validateRates.push(v);
  process.stdout.write(`${`valid ${name}`.padEnd(34)}${fmt(v).padStart(12)}${fmt(d).padStart(12)}  ${bytes.length}\n`);
}
const sample = examples[0]?.event ?? {};
const invalid: [string, unknown][] = [
  ['invalid: missing event_id', { ...sample, event_id: undefined }],
  ['invalid: unknown event_type', { ...sample, event_type: 'telemetry' }],
  ['invalid: major version 2', { ...sample, schema_version: '2.0' }],
  ['invalid: payload wrong types', { ...sample, payload: { score: 'high', decision: 42 } }],
];
for (const [name, event] of invalid) {
  const bytes = Buffer.from(JSON.stringify(event));
  process.stdout.write(`${name.padEnd(34)}${fmt(rate(() => validateTelemetryEvent(event))).padStart(12)}${fmt(rate(() => decodeTelemetryEvent(bytes))).padStart(12)}  ${bytes.length}\n`);
}
const notJson = Buffer.from('{"event_type": "prediction", ');
process.stdout.write(`${'invalid: not JSON'.padEnd(34)}${''.padStart(12)}${fmt(rate(() => decodeTelemetryEvent(notJson))).padStart(12)}  ${notJson.length}\n`);
const meanOf = (rates: readonly number[]) => rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
process.stdout.write(
  `\nmean over the valid examples, goal over 200k valid events/s per core:\n` +
    `  validate (parsed object, compiled schema and storable checks): ${fmt(meanOf(validateRates)).trim()}\n` +
    `  decode (bytes: size, UTF-8, JSON.parse, then validate):         ${fmt(meanOf(validRates)).trim()}\n`,
);
