import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@kanshi/config';
import { requireBuild, runBuiltScript } from './run-built-app';

interface FailoverResult {
  readonly ok: boolean;
  readonly scenarios: readonly { id: string; status: string; error?: string; figures: readonly { name: string; value: number; unit: string }[] }[];
}

/**
 * The failover scenario in quick mode (one round) on the real servers: two built engines, one
 * killed with SIGKILL while events flow. Its figure is never checked for speed, only for sense:
 * the dead engine's partitions cannot move before the group's session timeout has passed (a
 * shorter figure would mean the member left cleanly, not that it was killed), and they do move.
 */
describe('npm run bench -- --quick --only failover', () => {
  const out = mkdtempSync(join(tmpdir(), 'kanshi-bench-failover-'));

  beforeAll(() => requireBuild());
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('kills an engine and reports when the survivor processed its partitions again, after the session timeout', async () => {
    const { code, stdout, stderr } = await runBuiltScript(join('tools', 'bench', 'pipeline', 'bench.js'), {}, undefined, { args: ['--quick', '--only', 'failover', '--out', out], timeoutMs: 170_000 });
    if (code !== 0) throw new Error(`bench exited ${String(code)}:\n${(stdout + stderr).slice(-5000)}`);
    const [file] = readdirSync(out).filter((f) => f.endsWith('-quick.json'));
    const result = JSON.parse(readFileSync(join(out, file ?? ''), 'utf8')) as FailoverResult;
    const scenario = result.scenarios.find((s) => s.id === 'failover');
    expect({ ok: result.ok, status: scenario?.status, error: scenario?.error }).toEqual({ ok: true, status: 'ok', error: undefined });
    const figure = (name: string) => scenario?.figures.find((f) => f.name === name)?.value ?? Number.NaN;

    const sessionTimeout = loadConfig().values.engineSessionTimeoutMs / 1000;
    expect(figure('session timeout')).toBe(sessionTimeout);
    expect(figure('heartbeat interval')).toBeGreaterThan(0);
    expect(figure('moved max')).toBeGreaterThanOrEqual(sessionTimeout);
    expect(figure('moved max')).toBeLessThan(sessionTimeout + 60);
    expect(figure('rejoined median')).toBeGreaterThanOrEqual(sessionTimeout);
  }, 180_000);
});
