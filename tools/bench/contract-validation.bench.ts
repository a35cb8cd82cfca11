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
/** Measured seconds per case by default; `--seconds` sets it from the command line. */
export const CONTRACT_BENCH_SECONDS = 0.5;

function rate(run: () => unknown, seconds: number): number {
  for (let i = 0; i < 2000; i += 1) run(); // warm up the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 500; i += 1) run();
    n += 500;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const fmt = (r: number): string => `${Math.round(r / 1000).toLocaleString('en-US').padStart(6)}k/s`;

/** One case: events/s of `validateTelemetryEvent` (absent for bytes that are not JSON) and of `decodeTelemetryEvent`. */
export interface ContractCase {
  readonly name: string;
  readonly valid: boolean;
  readonly validatePerSecond: number | undefined;
  readonly decodePerSecond: number;
  readonly bytes: number;
}

export interface ContractMeasurement {
  readonly cases: readonly ContractCase[];
  /** Means over the valid examples (one per event type, unweighted). */
  readonly meanValidatePerSecond: number;
  readonly meanDecodePerSecond: number;
}

/**
 * Measures every case for about `seconds` each (also called by the pipeline bench's `micro`
 * scenario); `onCase` sees each case as soon as it is measured.
 */
export function measureContract(seconds: number = CONTRACT_BENCH_SECONDS, onCase: (c: ContractCase) => void = () => undefined): ContractMeasurement {
  const examples = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f.replace(/\.json$/, ''), event: JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as Record<string, unknown> }));
  const cases: ContractCase[] = [];
  const record = (c: ContractCase) => {
    cases.push(c);
    onCase(c);
  };
  for (const { name, event } of examples) {
    const bytes = Buffer.from(JSON.stringify(event));
    const v = rate(() => validateTelemetryEvent(event), seconds);
    const d = rate(() => decodeTelemetryEvent(bytes), seconds);
    record({ name: `valid ${name}`, valid: true, validatePerSecond: v, decodePerSecond: d, bytes: bytes.length });
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
    record({ name, valid: false, validatePerSecond: rate(() => validateTelemetryEvent(event), seconds), decodePerSecond: rate(() => decodeTelemetryEvent(bytes), seconds), bytes: bytes.length });
  }
  const notJson = Buffer.from('{"event_type": "prediction", ');
  record({ name: 'invalid: not JSON', valid: false, validatePerSecond: undefined, decodePerSecond: rate(() => decodeTelemetryEvent(notJson), seconds), bytes: notJson.length });
  const valid = cases.filter((c) => c.valid);
  const meanOf = (rates: readonly number[]) => rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  return {
    cases,
    meanValidatePerSecond: meanOf(valid.map((c) => c.validatePerSecond ?? 0)),
    meanDecodePerSecond: meanOf(valid.map((c) => c.decodePerSecond)),
  };
}

function main(): void {
  const secondsArg = process.argv.indexOf('--seconds');
  const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : CONTRACT_BENCH_SECONDS;
  process.stdout.write(`telemetry contract, one core, ${seconds}s per case (node ${process.version})\n\n`);
  process.stdout.write(`${'case'.padEnd(34)}${'validate'.padStart(12)}${'decode'.padStart(12)}  bytes\n`);
  const measured = measureContract(seconds, (c) =>
    process.stdout.write(`${c.name.padEnd(34)}${(c.validatePerSecond === undefined ? '' : fmt(c.validatePerSecond)).padStart(12)}${fmt(c.decodePerSecond).padStart(12)}  ${c.bytes}\n`),
  );
  process.stdout.write(
    `\nmean over the valid examples, goal over 200k valid events/s per core:\n` +
      `  validate (parsed object, compiled schema and storable checks): ${fmt(measured.meanValidatePerSecond).trim()}\n` +
      `  decode (bytes: size, UTF-8, JSON.parse, then validate):         ${fmt(measured.meanDecodePerSecond).trim()}\n`,
  );
}

// Run as a script (npm run bench:contracts); imported, it only provides measureContract.
if (require.main === module) main();
