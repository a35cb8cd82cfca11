import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * Where a `--cpu-prof` profile spent its time: functions by self time, and the same grouped by
 * package (a node_modules package, a Kanshi lib or app, Node's internals, GC, idle), so a
 * profile reads in a terminal without a flame-graph viewer.
 *   node dist/tools/bench/cpu-profile-top.js <file.cpuprofile> [--top 30]
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Profiles also include idle, GC and the program root as pseudo-functions. */
function packageOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  if (url.startsWith('node:')) return 'node internals';
  const kanshi = /dist\/((?:libs|apps|tools)\/[^/]+)/.exec(url);
  return kanshi?.[1] ?? url;
}

export function topFunctions(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url === '' ? '' : ` ${relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const rows = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(8)} ms  ${name}`)
      .join('\n');
  return `${(total / 1e6).toFixed(1)} s sampled\n\nby package (self time)\n${rows(packages, 20)}\n\nby function (self time)\n${rows(functions, top)}\n`;
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/tools/bench/cpu-profile-top.js <file.cpuprofile> [--top 30]\n');
    process.exitCode = 2;
    return;
  }
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 30;
  process.stdout.write(topFunctions(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top));
}

if (require.main === module) main();
