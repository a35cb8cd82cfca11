import { channelsFor, matchesAlert, planNotifications, silenceFor, type RoutableAlert, type RouteRule, type SilenceRule } from './notification-plan';

const alert = (id: string, over: Partial<RoutableAlert> = {}): RoutableAlert => ({ id, severity: 'high', sector: 'finance', modelId: 'credit-v3', ruleId: 'F3', ...over });
const any = { severities: [], sectors: [], modelIds: [], ruleIds: [] };
const route = (id: string, channelIds: string[], over: Partial<RouteRule> = {}): RouteRule => ({ id, level: 0, channelIds, ...any, ...over });
const NOW = new Date('2026-11-24T12:00:00Z');
const silence = (id: string, over: Partial<SilenceRule> = {}): SilenceRule => ({
  id,
  startsAt: new Date(NOW.getTime() - 60_000),
  endsAt: new Date(NOW.getTime() + 60_000),
  ...any,
  ...over,
});

describe('routing and silences', () => {
  it('matches an alert when every non-empty list holds its value', () => {
    expect(matchesAlert(any, alert('a'))).toBe(true);
    expect(matchesAlert({ ...any, severities: ['high', 'critical'], sectors: ['finance'] }, alert('a'))).toBe(true);
    expect(matchesAlert({ ...any, severities: ['critical'] }, alert('a'))).toBe(false);
    expect(matchesAlert({ ...any, ruleIds: ['F3'], modelIds: ['other'] }, alert('a'))).toBe(false);
  });

  it('takes a silence only while it is in force, preferring the one that ends last', () => {
    const early = silence('early', { endsAt: new Date(NOW.getTime() + 1000) });
    const late = silence('late', { endsAt: new Date(NOW.getTime() + 9000) });
    const future = silence('future', { startsAt: new Date(NOW.getTime() + 1000), endsAt: new Date(NOW.getTime() + 99_000) });
    const ended = silence('ended', { endsAt: NOW });
    expect(silenceFor(alert('a'), [early, late, future, ended], NOW)?.id).toBe('late');
    expect(silenceFor(alert('a'), [future, ended], NOW)).toBeUndefined();
    expect(silenceFor(alert('a'), [silence('other', { sectors: ['medical'] })], NOW)).toBeUndefined();
  });

  it('sends an escalation to the highest configured level up to it, and never below the first when none matches', () => {
    const routes = [route('r0', ['c0']), route('r1', ['c1'], { level: 1 }), route('r1b', ['c1', 'c2'], { level: 1 }), route('r2', ['c3'], { level: 2, severities: ['critical'] })];
    expect(channelsFor(alert('a'), routes, 0)).toEqual(['c0']);
    expect(channelsFor(alert('a'), routes, 1)).toEqual(['c1', 'c2']);
    // Level 2 exists only for critical alerts: a high one stays with level 1's channels.
    expect(channelsFor(alert('a'), routes, 2)).toEqual(['c1', 'c2']);
    expect(channelsFor(alert('a', { severity: 'critical' }), routes, 2)).toEqual(['c3']);
    expect(channelsFor(alert('a', { sector: 'medical' }), [route('r', ['c'], { sectors: ['finance'] })], 0)).toEqual([]);
  });

  it('groups alerts per channel, records held-back ones per silence, and skips unusable channels', () => {
    const routes = [route('all', ['c1', 'gone']), route('fin', ['c2'], { sectors: ['finance'] })];
    const { notifications, silencedBy } = planNotifications(
      [alert('a'), alert('b', { sector: 'medical' }), alert('c', { ruleId: 'F9' })],
      routes,
      [silence('s', { ruleIds: ['F9'] })],
      new Set(['c1', 'c2']),
      0,
      NOW,
    );
    expect(silencedBy).toEqual(new Map([['c', 's']]));
    expect(notifications).toEqual([
      { channelId: 'c1', alertIds: ['a', 'b'], status: 'pending', silenceId: null },
      { channelId: 'c2', alertIds: ['a'], status: 'pending', silenceId: null },
      { channelId: 'c1', alertIds: ['c'], status: 'suppressed', silenceId: 's' },
      { channelId: 'c2', alertIds: ['c'], status: 'suppressed', silenceId: 's' },
    ]);
  });
});
