import { LogDigest } from './log-digest';

describe('LogDigest', () => {
  let now: number;
  let lines: string[];
  let digest: LogDigest;

  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000_000;
    lines = [];
    digest = new LogDigest((line) => lines.push(line), (n) => `dead-lettered ${n} records`, 10_000, () => now);
  });

  afterEach(() => jest.useRealTimers());

  it('writes the first event at once, then one line per interval with counts by kind and a sample each', () => {
    digest.add('NOT_JSON', 1, 'p3@55: Unexpected token');
    expect(lines).toEqual(['dead-lettered 1 records (NOT_JSON 1); e.g. NOT_JSON: p3@55: Unexpected token']);

    for (let batch = 0; batch < 1000; batch += 1) {
      now += 5;
      digest.add('NOT_JSON', 3, `p3@${100 + batch}: bad`);
      digest.add('QUOTA_EXCEEDED', 7, `p1@${batch}: over`);
    }
    expect(lines).toHaveLength(1);

    now += 5000;
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual([
      'dead-lettered 1 records (NOT_JSON 1); e.g. NOT_JSON: p3@55: Unexpected token',
      'dead-lettered 10000 records in the last 10 s (QUOTA_EXCEEDED 7000, NOT_JSON 3000); e.g. QUOTA_EXCEEDED: p1@0: over; NOT_JSON: p3@100: bad',
    ]);

    jest.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
  });

  it('keeps a bounded number of kinds, counting the rest as other', () => {
    for (let kind = 0; kind < 100; kind += 1) digest.add(`kind-${kind}`, 1, 'x');
    expect(lines).toEqual(['dead-lettered 1 records (kind-0 1); e.g. kind-0: x']);
    now += 10_000;
    jest.advanceTimersByTime(10_000);
    const second = lines[1] ?? '';
    expect(second).toContain('dead-lettered 99 records in the last 10 s');
    expect(second).toContain('other 67');
    expect(second.match(/kind-\d+ 1/g)).toHaveLength(32);
  });
});
