import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux the bench runs on). */
const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by each process group, and the machine's busy and total time. */
export interface CpuSnapshot {
  readonly at: number;
  readonly groups: ReadonlyMap<string, number>;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

/** user + system CPU seconds of one process, or undefined when it is gone (Linux /proc). */
function processCpuSeconds(pid: number): { comm: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command.
    return { comm, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function machineTimes(): { busy: number; total: number } {
  const [line] = readFileSync('/proc/stat', 'utf8').split('\n');
  const ticks = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th values.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * Reads the CPU time of named groups: `pids` by their own name, and every process whose command
 * is one of `commands` (e.g. all `postgres` backends, `redis-server`). Processes that ended
 * between two snapshots are missing from the later one, so a group's delta is a lower bound.
 */
export function cpuSnapshot(pids: Readonly<Record<string, number | undefined>>, commands: readonly string[]): CpuSnapshot {
  const groups = new Map<string, number>();
  for (const [name, pid] of Object.entries(pids)) {
    if (pid !== undefined) groups.set(name, processCpuSeconds(pid)?.seconds ?? 0);
  }
  const wanted = new Set(commands);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cpu = processCpuSeconds(Number(entry));
    if (cpu && wanted.has(cpu.comm)) groups.set(cpu.comm, (groups.get(cpu.comm) ?? 0) + cpu.seconds);
  }
  const machine = machineTimes();
  return { at: Date.now(), groups, machineBusy: machine.busy, machineTotal: machine.total };
}

/** CPU seconds each group used between two snapshots, and how busy the machine was (0..1). */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): { groups: Map<string, number>; machineBusy: number } {
  const groups = new Map<string, number>();
  for (const [name, seconds] of after.groups) groups.set(name, Math.max(0, seconds - (before.groups.get(name) ?? 0)));
  const total = after.machineTotal - before.machineTotal;
  return { groups, machineBusy: total > 0 ? (after.machineBusy - before.machineBusy) / total : Number.NaN };
}
