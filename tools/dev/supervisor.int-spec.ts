import { waitFor } from '@kanshi/testing';
import { Supervisor, type SupervisedProcess } from './supervisor';

// The supervisor for real, with tiny node scripts as the supervised apps. Nothing sleeps: each
// step waits for what the supervisor reports.

interface Seen {
  readonly notes: string[];
  readonly lines: string[];
}

function supervisorWith(options: { stopGraceMs?: number } = {}) {
  const seen: Seen = { notes: [], lines: [] };
  const supervisor = new Supervisor({
    policy: { firstDelayMs: 40, maxDelayMs: 160, resetAfterMs: 60_000 },
    stopGraceMs: options.stopGraceMs ?? 10_000,
    output: (name, line) => seen.lines.push(`${name}| ${line}`),
    note: (name, message) => seen.notes.push(`${name}: ${message}`),
  });
  return { supervisor, seen };
}

const script = (name: string, code: string): SupervisedProcess => ({ name, command: process.execPath, args: ['-e', code] });
const until = <T>(what: string, check: () => T | undefined) => waitFor(what, () => Promise.resolve(check()), 15_000, 20);

describe('Supervisor (real child processes)', () => {
  it('restarts a process that exits, waiting twice as long each time up to the cap, and stops restarting on stop()', async () => {
    const { supervisor, seen } = supervisorWith();
    supervisor.start(script('crasher', 'console.log("up"); process.exit(3)'));

    await until('five exits', () => (seen.notes.filter((n) => n.includes('exited')).length >= 5 ? true : undefined));
    await supervisor.stop();

    const exits = seen.notes.filter((n) => n.includes('exited'));
    expect(exits.slice(0, 5).map((n) => /restarting in (\d+ ms)/.exec(n)?.[1])).toEqual(['40 ms', '80 ms', '160 ms', '160 ms', '160 ms']);
    expect(exits[0]).toMatch(/^crasher: exited \(code 3\) after \d+(\.\d)? m?s; restarting in 40 ms \(exit 1 in a row within 60 s of starting; the wait doubles up to 160 ms\)$/);
    expect(seen.notes[0]).toMatch(/^crasher: started \(pid \d+\)$/);
    expect(seen.notes.filter((n) => /^crasher: restarted \(pid \d+\)$/.test(n)).length).toBeGreaterThanOrEqual(4);
    expect(seen.lines.filter((l) => l === 'crasher| up').length).toBeGreaterThanOrEqual(5);
    expect(supervisor.running).toBe(0);
    expect(supervisor.pendingRestarts).toBe(0);
  });

  it('stops running processes with SIGTERM and does not restart them', async () => {
    const { supervisor, seen } = supervisorWith();
    const worker = 'process.on("SIGTERM", () => { console.log("bye"); process.exit(0); }); console.log("ready"); setInterval(() => {}, 1000);';
    supervisor.start(script('api', worker));
    supervisor.start(script('gateway', worker));
    await until('both ready', () => (seen.lines.filter((l) => l.endsWith('| ready')).length === 2 ? true : undefined));

    await supervisor.stop();

    expect(seen.lines).toEqual(expect.arrayContaining(['api| bye', 'gateway| bye']));
    expect(seen.notes).toEqual(expect.arrayContaining(['api: stopped (code 0)', 'gateway: stopped (code 0)']));
    expect(seen.notes.some((n) => n.includes('restart'))).toBe(false);
    expect(supervisor.running).toBe(0);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const { supervisor, seen } = supervisorWith({ stopGraceMs: 300 });
    supervisor.start(script('stubborn', 'process.on("SIGTERM", () => console.log("ignored")); console.log("ready"); setInterval(() => {}, 1000);'));
    await until('ready', () => (seen.lines.includes('stubborn| ready') ? true : undefined));

    await supervisor.stop();

    expect(seen.lines).toContain('stubborn| ignored');
    expect(seen.notes).toEqual(expect.arrayContaining(['stubborn: did not stop within 300 ms; killing it', 'stubborn: stopped (signal SIGKILL)']));
    expect(supervisor.running).toBe(0);
  });

  it('cancels a restart that is waiting when stop() comes', async () => {
    const notes: string[] = [];
    const supervisor = new Supervisor({
      policy: { firstDelayMs: 600_000, maxDelayMs: 600_000, resetAfterMs: 60_000 },
      output: () => undefined,
      note: (name, message) => notes.push(`${name}: ${message}`),
    });
    supervisor.start(script('once', 'process.exit(1)'));
    await until('the exit', () => (supervisor.pendingRestarts === 1 ? true : undefined));

    await supervisor.stop();

    expect(supervisor.pendingRestarts).toBe(0);
    expect(notes).toEqual([expect.stringMatching(/^once: started/), expect.stringMatching(/^once: exited \(code 1\) after .*; restarting in 600 s/)]);
  });
});
