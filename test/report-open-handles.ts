// Jest's global teardown: names what the test run left open that would keep a process alive
// (sockets, servers, child processes; not timers, which Jest itself holds), so a leak shows in the log with its peer. Jest
// is told to exit anyway (`forceExit` in jest.config.js): one leaked socket must not hang CI.
// With one worker (a 2-core machine) the tests run in this process, so their handles are here.
import { Server, Socket } from 'node:net';
import { ChildProcess } from 'node:child_process';

interface Refable {
  hasRef?: () => boolean;
}

const activeHandles = (): unknown[] => (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];

const isStdio = (handle: unknown): boolean => handle === process.stdout || handle === process.stderr || handle === process.stdin;

export function describeHandle(handle: unknown): string {
  if (handle instanceof Socket) {
    const s = handle as Socket & { _host?: string | null };
    const peer = s.remoteAddress ? `${s.remoteAddress}:${String(s.remotePort)}` : `${s._host ?? '?'} (never connected)`;
    return `socket to ${peer}${s.connecting ? ', connecting' : ''}${s.destroyed ? ', destroyed' : ''}`;
  }
  if (handle instanceof Server) {
    const address = handle.address();
    return `server on ${typeof address === 'string' ? address : address ? `${address.address}:${String(address.port)}` : '?'}`;
  }
  if (handle instanceof ChildProcess) return `child process ${String(handle.pid)} (${handle.spawnfile})`;
  return (handle as { constructor?: { name?: string } }).constructor?.name ?? typeof handle;
}

export default async function reportOpenHandles(): Promise<void> {
  // Connections closed by the last suites finish closing first (a peer's end is a few ticks away).
  await new Promise((resolve) => setTimeout(resolve, 200));
  const open = activeHandles()
    .filter((handle) => !isStdio(handle))
    .filter((handle) => (handle as Refable).hasRef?.() !== false);
  if (open.length === 0) return;
  const counts = new Map<string, number>();
  for (const handle of open) {
    const text = describeHandle(handle);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const lines = [...counts].map(([text, count]) => `  ${count > 1 ? `${String(count)}× ` : ''}${text}`);
  process.stderr.write(`\n${String(open.length)} handle(s) left open by the test run (Jest exits anyway):\n${lines.join('\n')}\n`);
}
