import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBuild, ROOT } from './run-built-app';

const BENCH = join(ROOT, 'dist', 'tools', 'bench', 'pipeline', 'bench.js');
const LIMIT_MS = 180_000;

interface BenchJson {
  readonly mode: string;
  readonly ok: boolean;
  readonly machine: { readonly cpus: number; readonly kafka: string; readonly postgresql: string; readonly redis: string; readonly node: string };
  readonly scenarios: readonly { readonly id: string; readonly status: string; readonly figures: readonly { readonly name: string; readonly value: number }[] }[];
}

/** Runs the built benchmark runner as `npm run bench` does; bounded by {@link LIMIT_MS}. */
function runBench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, ...args], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      // SIGINT first: the runner stops its scenario and cleans up; then for good.
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
      reject(new Error(`the benchmark did not finish within ${LIMIT_MS / 1000} s; stderr: ${stderr.slice(-3000)}`));
    }, LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The benchmark harness works end to end in quick mode: data set, bare consumer, built engine,
 * table and JSON result. It checks the harness, never a speed: quick figures mean nothing.
 */
describe('npm run bench (quick, ceiling, engine, tracing and evidence)', () => {
  const out = mkdtempSync(join(tmpdir(), 'kanshi-bench-'));

  beforeAll(() => requireBuild());
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it(
    'runs the scenarios, prints the table and writes the JSON result',
    async () => {
      expect(existsSync(BENCH)).toBe(true);
      const { code, stdout, stderr } = await runBench(['--quick', '--only', 'ceiling,engine,tracing,evidence', '--out', out]);
      expect({ code, stderr: code === 0 ? '' : stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(/scenario\s+figure\s+value\s+unit\s+goal\s+met\?/);

      const files = readdirSync(out).filter((f) => f.endsWith('-quick.json'));
      expect(files).toHaveLength(1);
      const result = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchJson;
      expect(stdout).toContain(join(out, files[0]!));
      expect(result.mode).toBe('quick');
      expect(result.ok).toBe(true);
      expect(result.machine.cpus).toBeGreaterThan(0);
      for (const version of [result.machine.kafka, result.machine.postgresql, result.machine.redis]) expect(version).not.toMatch(/^unknown/);
      expect(result.scenarios.map((s) => [s.id, s.status])).toEqual([
        ['ceiling', 'ok'],
        ['engine', 'ok'],
        ['tracing', 'ok'],
        ['evidence', 'ok'],
      ]);
      const figure = (id: string, name: string) => result.scenarios.find((s) => s.id === id)?.figures.find((f) => f.name === name)?.value;
      for (const [id, name] of [
        ['ceiling', 'throughput'],
        ['ceiling', 'mean event size'],
        ['engine', 'throughput'],
        ['engine', 'ratio to ceiling'],
        ['engine', 'engine peak RSS'],
        ['tracing', 'throughput'],
        ['tracing', 'ratio to engine (tracing off)'],
        ['tracing', 'spans received'],
        ['evidence', 'rows sealed (chained, stored, taken off the pending table)'],
        ['evidence', 'ledger bytes per row, canonical text'],
        ['evidence', 'rows verified'],
      ] as const) {
        expect({ id, name, positive: (figure(id, name) ?? 0) > 0 }).toEqual({ id, name, positive: true });
      }
    },
    LIMIT_MS + 30_000,
  );
});
