import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Summarises V8 `.cpuprofile` files (from `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof DIR`)
 * by self time: the top functions, and the same time grouped by where the code lives (a package
 * in node_modules, a Kanshi lib, Node's internals, GC, idle).
 *   node dist/tools/bench/cpu-profile-summary.js FILE.cpuprofile [--top 30]
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function isProfile(value: unknown): value is CpuProfile {
  const v = value as Partial<CpuProfile> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.nodes) && Array.isArray(v.samples) && Array.isArray(v.timeDeltas);
}

/** Where a function lives: `kafkajs`, `libs/policy-core`, `node:internal`, `(garbage collector)` … */
function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const kanshi = /dist\/((?:libs\/sectors|libs|apps|tools)\/[^/]+)/.exec(url);
  if (kanshi?.[1]) return kanshi[1];
  if (url.startsWith('node:')) return 'node:internal';
  return basename(url);
}

function summarise(file: string, top: number): string {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${file} is not a V8 .cpuprofile`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // A sample's time is the delta to the next one: the closest V8 gives to the time spent there.
  for (let i = 0; i < parsed.samples.length; i += 1) {
    const id = parsed.samples[i] as number;
    const delta = parsed.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  const byFunction = new Map<string, { frame: CallFrame; us: number }>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { callFrame } = node;
    const key = `${callFrame.functionName}\u0000${callFrame.url}\u0000${callFrame.lineNumber}`;
    const entry = byFunction.get(key) ?? { frame: callFrame, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    byArea.set(area(callFrame), (byArea.get(area(callFrame)) ?? 0) + us);
    total += us;
  }
  const idle = byArea.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1)}%`.padStart(6);
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`.padStart(9);
  const where = (f: CallFrame) => (f.url === '' ? '' : `${f.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`);
  const lines = [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle); percentages of busy time`,
    '',
    `top ${top} functions by self time`,
    ...[...byFunction.values()]
      .filter((e) => e.frame.functionName !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => `${ms(e.us)} ${pct(e.us)}  ${e.frame.functionName || '(anonymous)'}  ${where(e.frame)}`),
    '',
    'self time by area',
    ...[...byArea]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${ms(us)} ${pct(us)}  ${name}`),
  ];
  return lines.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  const files = args.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));
  if (files.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write('usage: node dist/tools/bench/cpu-profile-summary.js FILE.cpuprofile [FILE …] [--top 30]\n');
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`${files.map((f) => summarise(f, top)).join('\n\n')}\n`);
}

main();
