/** An alert as routing and silences see it. */
export interface RoutableAlert {
  readonly id: string;
  readonly severity: string;
  readonly sector: string;
  readonly modelId: string;
  readonly ruleId: string;
}

/** The lists an alert must match (an empty list matches anything). */
export interface AlertMatchers {
  readonly severities: readonly string[];
  readonly sectors: readonly string[];
  readonly modelIds: readonly string[];
  readonly ruleIds: readonly string[];
}

export interface RouteRule extends AlertMatchers {
  readonly id: string;
  readonly level: number;
  readonly channelIds: readonly string[];
}

export interface SilenceRule extends AlertMatchers {
  readonly id: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** One notification to store: to one channel, about alerts, sent or held back by a silence. */
export interface PlannedNotification {
  readonly channelId: string;
  readonly alertIds: readonly string[];
  readonly status: 'pending' | 'suppressed';
  readonly silenceId: string | null;
}

const hit = (list: readonly string[], value: string) => list.length === 0 || list.includes(value);

/** True when the alert matches every non-empty list. */
export function matchesAlert(m: AlertMatchers, alert: RoutableAlert): boolean {
  return hit(m.severities, alert.severity) && hit(m.sectors, alert.sector) && hit(m.modelIds, alert.modelId) && hit(m.ruleIds, alert.ruleId);
}

/** The silence holding the alert at `at`: the one that ends last, so the alert is held longest. */
export function silenceFor(alert: RoutableAlert, silences: readonly SilenceRule[], at: Date): SilenceRule | undefined {
  let found: SilenceRule | undefined;
  for (const s of silences) {
    if (s.startsAt <= at && at < s.endsAt && matchesAlert(s, alert) && (!found || s.endsAt > found.endsAt)) found = s;
  }
  return found;
}

/**
 * The channels an alert goes to at an escalation level: those of the matching routes of the
 * highest level up to `level` that has any, so an escalation beyond the last configured level
 * goes to that last level's channels again.
 */
export function channelsFor(alert: RoutableAlert, routes: readonly RouteRule[], level: number): string[] {
  const matching = routes.filter((r) => r.level <= level && matchesAlert(r, alert));
  const top = Math.max(-1, ...matching.map((r) => r.level));
  return [...new Set(matching.filter((r) => r.level === top).flatMap((r) => r.channelIds))];
}

/**
 * Turns alerts into notifications: one per channel for the alerts it receives, and, for alerts
 * a silence holds, one `suppressed` record per channel and silence, so what a silence kept back
 * stays visible. Channels not in `usable` (deleted or disabled) are left out.
 */
export function planNotifications(
  alerts: readonly RoutableAlert[],
  routes: readonly RouteRule[],
  silences: readonly SilenceRule[],
  usable: ReadonlySet<string>,
  level: number,
  at: Date,
): { notifications: PlannedNotification[]; silencedBy: Map<string, string> } {
  const silencedBy = new Map<string, string>();
  const groups = new Map<string, { channelId: string; silenceId: string | null; alertIds: string[] }>();
  for (const alert of alerts) {
    const silence = silenceFor(alert, silences, at);
    if (silence) silencedBy.set(alert.id, silence.id);
    for (const channelId of channelsFor(alert, routes, level)) {
      if (!usable.has(channelId)) continue;
      const key = `${channelId}|${silence?.id ?? ''}`;
      const group = groups.get(key) ?? { channelId, silenceId: silence?.id ?? null, alertIds: [] };
      group.alertIds.push(alert.id);
      groups.set(key, group);
    }
  }
  const notifications = [...groups.values()].map((g) => ({
    channelId: g.channelId,
    alertIds: g.alertIds,
    status: g.silenceId === null ? ('pending' as const) : ('suppressed' as const),
    silenceId: g.silenceId,
  }));
  return { notifications, silencedBy };
}
