import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBuild, runBuiltScript } from './run-built-app';

interface BenchResult {
  readonly ok: boolean;
  readonly scenarios: readonly { id: string; status: string; error?: string; figures: readonly { name: string; value: number; unit: string }[] }[];
}

/**
 * The alert path beside its peer and in a storm, in quick mode on the real servers: the built
 * worker and Debian's Prometheus Alertmanager (installed by `npm test`) take the same findings,
 * and the bench prints both and their ratios; another tenant's critical alerts in a storm are
 * all stored. Never a speed: on a shared CI machine quick figures mean nothing.
 */
describe('npm run bench -- --quick --only alert-path,alertmanager,alert-storm', () => {
  const out = mkdtempSync(join(tmpdir(), 'kanshi-bench-peers-'));

  beforeAll(() => requireBuild());
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs Kanshi and Alertmanager on the same findings, prints the ratios, and stores every critical alert of the storm', async () => {
    const ids = ['alert-path', 'alertmanager', 'alert-storm'];
    const { code, stdout, stderr } = await runBuiltScript(join('tools', 'bench', 'pipeline', 'bench.js'), {}, undefined, { args: ['--quick', '--only', ids.join(','), '--out', out], timeoutMs: 230_000 });
    if (code !== 0) throw new Error(`bench exited ${String(code)}:\n${(stdout + stderr).slice(-5000)}`);
    const [file] = readdirSync(out).filter((f) => f.endsWith('-quick.json'));
    const result = JSON.parse(readFileSync(join(out, file ?? ''), 'utf8')) as BenchResult;
    expect(result.scenarios.map((s) => [s.id, s.status, s.error])).toEqual(ids.map((id) => [id, 'ok', undefined]));
    const figure = (id: string, name: string) => result.scenarios.find((s) => s.id === id)?.figures.find((f) => f.name === name)?.value ?? Number.NaN;

    expect(figure('alertmanager', 'Alertmanager: findings accepted')).toBeGreaterThan(0);
    expect(figure('alertmanager', 'Alertmanager: all alerts shown')).toBeGreaterThan(0);
    // The ratios are Kanshi's figures of the same run over Alertmanager's.
    const ratio = figure('alertmanager', 'findings/s, Kanshi ÷ Alertmanager');
    expect(ratio).toBeCloseTo(figure('alert-path', 'findings persisted') / figure('alertmanager', 'Alertmanager: findings accepted'), 2);
    expect(figure('alertmanager', 'all alerts there, Kanshi (stored) ÷ Alertmanager (shown)')).toBeGreaterThan(0);

    expect(figure('alert-storm', 'victim alerts missing')).toBe(0);
    expect(figure('alert-storm', 'victim notification queued, p99')).toBeGreaterThan(0);
    expect(figure('alert-storm', 'storm: findings persisted')).toBeGreaterThan(0);
  }, 240_000);
});
