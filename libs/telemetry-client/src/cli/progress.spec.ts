import type { Clock } from '../backoff';
import { Progress } from './progress';

function setUp(isTTY: boolean) {
  const writes: string[] = [];
  let time = 0;
  const clock: Clock = { now: () => time, sleep: () => Promise.resolve() };
  const stream = { isTTY, columns: 200, write: (text: string) => writes.push(text) };
  const progress = new Progress(stream, 1000, clock, 5000);
  const at = (ms: number) => (time = ms);
  return { writes, progress, at };
}

const state = (bytes: number, sent: number) => ({ bytes, read: sent, sent, rejected: 1, unsent: 0 });

describe('Progress', () => {
  it('redraws one line in place on a terminal, at most ten times a second', () => {
    const { writes, progress, at } = setUp(true);
    at(1000);
    progress.update(state(250, 100));
    at(1050);
    progress.update(state(300, 120));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(`\r[${'#'.repeat(5)}${'-'.repeat(15)}] 25%  100 read  100 sent  1 rejected  100 events/s\x1b[K`);
    at(2000);
    progress.note('kanshi send: retrying');
    expect(writes.slice(1, 3)).toEqual(['\r\x1b[K', 'kanshi send: retrying\n']);
    expect(writes[3]?.startsWith('\r[######--------------] 30%')).toBe(true);
    progress.done();
    expect(writes.at(-1)).toBe('\n');
  });

  it('writes a plain line every interval when standard error is not a terminal', () => {
    const { writes, progress, at } = setUp(false);
    for (let t = 0; t <= 12_000; t += 500) {
      at(t);
      progress.update(state(t / 12, t / 10));
    }
    expect(writes).toEqual([
      'kanshi send: 0%  0 read  0 sent  1 rejected  0 events/s\n',
      'kanshi send: 41%  500 read  500 sent  1 rejected  100 events/s\n',
      'kanshi send: 83%  1000 read  1000 sent  1 rejected  100 events/s\n',
    ]);
    progress.done();
    expect(writes.at(-1)).toBe('kanshi send: 100%  1200 read  1200 sent  1 rejected  100 events/s\n');
    expect(writes.join('')).not.toContain('\r');
  });
});
