import { isSeverity, maxSeverity, SEVERITIES, severityRank, type Severity } from './severity';

describe('severityRank', () => {
  it('orders low < medium < high < critical', () => {
    const ranks = (['low', 'medium', 'high', 'critical'] as const).map(severityRank);

    expect(ranks).toEqual([0, 1, 2, 3]);
  });
});

describe('maxSeverity', () => {
  it.each([
    ['low', 'critical', 'critical'],
    ['critical', 'low', 'critical'],
    ['medium', 'high', 'high'],
    ['high', 'medium', 'high'],
    ['medium', 'medium', 'medium'],
  ] as const)('max(%s, %s) is %s', (a, b, expected) => {
    expect(maxSeverity(a, b)).toBe(expected);
  });

  it('is commutative over every pair', () => {
    for (const a of SEVERITIES) {
      for (const b of SEVERITIES) {
        expect(maxSeverity(a, b)).toBe(maxSeverity(b, a));
      }
    }
  });

  it('never returns a lower severity than either argument', () => {
    for (const a of SEVERITIES) {
      for (const b of SEVERITIES) {
        const max: Severity = maxSeverity(a, b);
        expect(severityRank(max)).toBeGreaterThanOrEqual(Math.max(severityRank(a), severityRank(b)));
      }
    }
  });
});

describe('isSeverity', () => {
  it('accepts the four severities and nothing else', () => {
    expect(SEVERITIES.every(isSeverity)).toBe(true);
    expect(['HIGH', 'info', '', 2, null, undefined].some(isSeverity)).toBe(false);
  });
});
