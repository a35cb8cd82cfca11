import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DURATION_PATTERN, parseDurationMs, SEVERITIES } from '@kanshi/contracts';

/** A field of a settings patch that cannot be taken, and why (the API answers it as a field error). */
export interface SettingsProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * The shortest and longest each duration of the settings may be (docs/notifications.md).
 * Without a floor, `repeat_interval: "0ms"` would send the same alerts again and again, for ever.
 */
export const DURATION_LIMITS = {
  group_wait: { min: '1s', max: '1h' },
  repeat_interval: { min: '1m', max: '30d' },
  ack_sla: { min: '1m', max: '30d' },
  clock_reminders: { min: '1m', max: '365d' },
  clock_critical_within: { min: '1m', max: '365d' },
  silence_reminder: { min: '1m', max: '30d' },
} as const satisfies Record<string, { readonly min: string; readonly max: string }>;
type LimitedDuration = keyof typeof DURATION_LIMITS;

const DURATION = (field: LimitedDuration, description: string) =>
  Type.String({
    pattern: DURATION_PATTERN,
    description: `${description} A whole number and a unit (ms, s, m, h or d), from ${DURATION_LIMITS[field].min} to ${DURATION_LIMITS[field].max}.`,
  });

const SEVERITY_POLICY = Type.Object(
  {
    group_wait: DURATION('group_wait', 'How long a new alert waits so that others of its group (same model and severity) go out in the same notification.'),
    repeat_interval: DURATION('repeat_interval', 'How often an alert that still fires, unacknowledged, is notified again.'),
    ack_sla: Type.Union([DURATION('ack_sla', 'How long the alert may stay unacknowledged before it escalates.'), Type.Null()], {
      description: 'null: alerts of this severity never escalate.',
    }),
  },
  { additionalProperties: false },
);

/** A tenant's alerting settings, complete (stored partial, filled from the defaults). */
export const ALERTING_SETTINGS_SCHEMA = Type.Object(
  {
    severities: Type.Object(
      { low: SEVERITY_POLICY, medium: SEVERITY_POLICY, high: SEVERITY_POLICY, critical: SEVERITY_POLICY },
      { additionalProperties: false },
    ),
    max_escalation_level: Type.Integer({ minimum: 0, maximum: 10, description: 'How many times an unacknowledged alert escalates, one SLA apart.' }),
    clock_reminders: Type.Array(DURATION('clock_reminders', 'How long before a regulatory deadline a reminder goes out.'), { maxItems: 10 }),
    clock_critical_within: DURATION(
      'clock_critical_within',
      'With this little time left before a regulatory deadline and no report recorded as submitted, an open alert becomes critical (the last days of a clock).',
    ),
    silence_reminder: DURATION('silence_reminder', 'How long before a silence ends a reminder goes out.'),
  },
  { additionalProperties: false },
);
export type AlertingSettings = Static<typeof ALERTING_SETTINGS_SCHEMA>;

const SEVERITY_POLICY_PATCH = Type.Partial(SEVERITY_POLICY, { additionalProperties: false });

/** What a tenant may send: any part of the settings; the rest stays as it was. */
export const ALERTING_SETTINGS_PATCH_SCHEMA = Type.Object(
  {
    severities: Type.Optional(
      Type.Object(
        { low: Type.Optional(SEVERITY_POLICY_PATCH), medium: Type.Optional(SEVERITY_POLICY_PATCH), high: Type.Optional(SEVERITY_POLICY_PATCH), critical: Type.Optional(SEVERITY_POLICY_PATCH) },
        { additionalProperties: false },
      ),
    ),
    max_escalation_level: Type.Optional(ALERTING_SETTINGS_SCHEMA.properties.max_escalation_level),
    clock_reminders: Type.Optional(ALERTING_SETTINGS_SCHEMA.properties.clock_reminders),
    clock_critical_within: Type.Optional(ALERTING_SETTINGS_SCHEMA.properties.clock_critical_within),
    silence_reminder: Type.Optional(ALERTING_SETTINGS_SCHEMA.properties.silence_reminder),
  },
  { additionalProperties: false },
);
export type AlertingSettingsPatch = Static<typeof ALERTING_SETTINGS_PATCH_SCHEMA>;

/** Kanshi's defaults, from the policy brief's severity scale (critical = page now … low = report). */
export const DEFAULT_ALERTING_SETTINGS: AlertingSettings = {
  severities: {
    critical: { group_wait: '10s', repeat_interval: '1h', ack_sla: '15m' },
    high: { group_wait: '30s', repeat_interval: '4h', ack_sla: '1h' },
    medium: { group_wait: '1m', repeat_interval: '12h', ack_sla: '8h' },
    low: { group_wait: '5m', repeat_interval: '1d', ack_sla: null },
  },
  max_escalation_level: 2,
  clock_reminders: ['3d', '1d'],
  clock_critical_within: '3d',
  silence_reminder: '1h',
};

/**
 * The stored settings over `base`, one value at a time: a stored value that no longer fits the
 * schema (written by an older version, say) is skipped, and the others still apply.
 */
export function mergeAlertingSettings(base: AlertingSettings, patch: AlertingSettingsPatch | Readonly<Record<string, unknown>>): AlertingSettings {
  let merged: AlertingSettings = base;
  const p = patch as AlertingSettingsPatch;
  const attempt = (candidate: AlertingSettings) => {
    if (Value.Check(ALERTING_SETTINGS_SCHEMA, candidate)) merged = candidate;
  };
  for (const severity of SEVERITIES) {
    for (const [field, value] of Object.entries(p.severities?.[severity] ?? {})) {
      attempt({ ...merged, severities: { ...merged.severities, [severity]: { ...merged.severities[severity], [field]: value } } });
    }
  }
  if (p.max_escalation_level !== undefined) attempt({ ...merged, max_escalation_level: p.max_escalation_level });
  if (p.clock_reminders !== undefined) attempt({ ...merged, clock_reminders: p.clock_reminders });
  if (p.clock_critical_within !== undefined) attempt({ ...merged, clock_critical_within: p.clock_critical_within });
  if (p.silence_reminder !== undefined) attempt({ ...merged, silence_reminder: p.silence_reminder });
  return merged;
}

/** The problem with one duration against its limits, if any. */
function durationProblem(field: string, limits: { readonly min: string; readonly max: string }, value: string): SettingsProblem[] {
  const ms = parseDurationMs(value);
  if (ms === undefined) return [];
  if (ms < settingMs(limits.min)) return [{ field, message: `must be at least ${limits.min} (got ${value})` }];
  if (ms > settingMs(limits.max)) return [{ field, message: `must be at most ${limits.max} (got ${value})` }];
  return [];
}

/**
 * Durations of a settings change (already shaped by the patch schema) outside
 * {@link DURATION_LIMITS}, each named by its field, with its minimum or maximum.
 */
export function alertingSettingsProblems(patch: AlertingSettingsPatch): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  for (const severity of SEVERITIES) {
    const policy = patch.severities?.[severity];
    if (!policy) continue;
    for (const field of ['group_wait', 'repeat_interval', 'ack_sla'] as const) {
      const value = policy[field];
      if (typeof value === 'string') problems.push(...durationProblem(`severities.${severity}.${field}`, DURATION_LIMITS[field], value));
    }
  }
  patch.clock_reminders?.forEach((value, i) => problems.push(...durationProblem(`clock_reminders.${i}`, DURATION_LIMITS.clock_reminders, value)));
  if (patch.clock_critical_within !== undefined) problems.push(...durationProblem('clock_critical_within', DURATION_LIMITS.clock_critical_within, patch.clock_critical_within));
  if (patch.silence_reminder !== undefined) problems.push(...durationProblem('silence_reminder', DURATION_LIMITS.silence_reminder, patch.silence_reminder));
  return problems;
}

/** Milliseconds of a duration the settings schema has already checked. */
export function settingMs(duration: string): number {
  const ms = parseDurationMs(duration);
  if (ms === undefined) throw new Error(`"${duration}" is not a duration`);
  return ms;
}
