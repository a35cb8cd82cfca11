import { OutageLog } from './outage-log';

describe('OutageLog', () => {
  function setup() {
    const lines: string[] = [];
    let now = 0;
    const log = new OutageLog({ error: (m) => lines.push(`error ${m}`), log: (m) => lines.push(`log ${m}`) }, 'inventory refresh', 30_000, () => now);
    return { log, lines, at: (ms: number) => (now = ms) };
  }

  it('logs the first failure at once, then one line per interval with the count, then the recovery', () => {
    const { log, lines, at } = setup();
    log.succeeded();
    expect(lines).toEqual([]);
    for (let s = 0; s <= 65; s += 2) {
      at(s * 1000);
      log.failed(new Error(`connect ECONNRESET (${s})`));
    }
    expect(log.failing).toBe(true);
    at(70_000);
    log.succeeded();
    expect(log.failing).toBe(false);
    expect(lines).toEqual([
      'error inventory refresh failed: connect ECONNRESET (0)',
      'error inventory refresh failed: connect ECONNRESET (30) (15 failures in the last 30 s, failing for 30 s)',
      'error inventory refresh failed: connect ECONNRESET (60) (15 failures in the last 30 s, failing for 60 s)',
      'log inventory refresh works again after 33 failures over 70 s',
    ]);
  });

  it('starts afresh after a recovery: the next failure is logged at once', () => {
    const { log, lines, at } = setup();
    log.failed('down');
    at(1000);
    log.succeeded();
    at(2000);
    log.failed('down again');
    expect(lines).toEqual(['error inventory refresh failed: down', 'log inventory refresh works again after 1 failure over 1 s', 'error inventory refresh failed: down again']);
  });
});
