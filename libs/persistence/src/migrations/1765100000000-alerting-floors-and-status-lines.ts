import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The limits the API now puts on alerting durations and channel retries, applied to what was
 * stored before them (so a `repeat_interval` of 0ms stops looping), and delivery errors cut
 * down to a status line. Until now an error quoted the first bytes of a receiver's answer, or
 * an SMTP server's words; a channel pointed at an internal service (Redis, Kafka) let a tenant
 * read them back through the API.
 *
 * The limits are copied here, not imported: a migration must do the same thing whatever the
 * code does later.
 */
const LIMITS = {
  group_wait: ['1s', '1h'],
  repeat_interval: ['1m', '30d'],
  ack_sla: ['1m', '30d'],
  clock_reminders: ['1m', '365d'],
  silence_reminder: ['1m', '30d'],
} as const;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function ms(duration: string): number | undefined {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(duration);
  return match ? Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN) : undefined;
}

/** `value` moved into its limits; anything that is not a duration is left for the reader to skip. */
function clamp(value: unknown, [min, max]: readonly [string, string]): unknown {
  if (typeof value !== 'string') return value;
  const v = ms(value);
  if (v === undefined) return value;
  if (v < (ms(min) ?? 0)) return min;
  if (v > (ms(max) ?? Infinity)) return max;
  return value;
}

type Settings = {
  severities?: Record<string, Record<string, unknown> | undefined>;
  clock_reminders?: unknown;
  silence_reminder?: unknown;
} & Record<string, unknown>;

function clampSettings(settings: Settings): Settings {
  const severities = Object.fromEntries(
    Object.entries(settings.severities ?? {}).map(([severity, policy]) => [
      severity,
      policy && {
        ...policy,
        ...('group_wait' in policy ? { group_wait: clamp(policy['group_wait'], LIMITS.group_wait) } : {}),
        ...('repeat_interval' in policy ? { repeat_interval: clamp(policy['repeat_interval'], LIMITS.repeat_interval) } : {}),
        ...('ack_sla' in policy ? { ack_sla: clamp(policy['ack_sla'], LIMITS.ack_sla) } : {}),
      },
    ]),
  );
  return {
    ...settings,
    ...(settings.severities ? { severities } : {}),
    ...(Array.isArray(settings.clock_reminders) ? { clock_reminders: settings.clock_reminders.map((r) => clamp(r, LIMITS.clock_reminders)) } : {}),
    ...('silence_reminder' in settings ? { silence_reminder: clamp(settings.silence_reminder, LIMITS.silence_reminder) } : {}),
  };
}

export class AlertingFloorsAndStatusLines1765100000000 implements MigrationInterface {
  name = 'AlertingFloorsAndStatusLines1765100000000';

  async up(q: QueryRunner): Promise<void> {
    const rows = (await q.query(`SELECT tenant_id, settings FROM alerting_settings FOR UPDATE`)) as { tenant_id: string; settings: Settings }[];
    for (const row of rows) {
      const clamped = clampSettings(row.settings);
      if (JSON.stringify(clamped) !== JSON.stringify(row.settings)) {
        await q.query(`UPDATE alerting_settings SET settings = $2 WHERE tenant_id = $1`, [row.tenant_id, JSON.stringify(clamped)]);
      }
    }
    for (const field of ['timeout_ms', 'backoff_ms']) {
      await q.query(
        `UPDATE notification_channels SET config = jsonb_set(config, '{${field}}', '1000')
          WHERE jsonb_typeof(config->'${field}') = 'number' AND (config->>'${field}')::numeric < 1000`,
      );
    }
    // "… answered HTTP 502: <the receiver's answer>" keeps "HTTP 502"; "the SMTP server h:p: <its words> (CODE)" keeps the code.
    const statusLine = (column: string) => `
      CASE
        WHEN ${column} ~ 'answered HTTP [0-9]{3}' THEN 'HTTP ' || substring(${column} from 'answered HTTP ([0-9]{3})')
        WHEN ${column} ~ '^the SMTP server \\S+: ' THEN 'SMTP: failed' || coalesce(' (' || substring(${column} from '\\((E[A-Z]+)\\)$') || ')', '')
        ELSE ${column}
      END`;
    await q.query(`UPDATE notifications SET last_error = ${statusLine('last_error')} WHERE last_error ~ 'answered HTTP [0-9]{3}|^the SMTP server \\S+: '`);
    // Delivery attempts are append-only; this one rewrite, by the schema's owner, removes bytes that should never have been kept.
    await q.query(`ALTER TABLE delivery_attempts DISABLE TRIGGER tr_delivery_attempts_append_only`);
    await q.query(`UPDATE delivery_attempts SET error = ${statusLine('error')} WHERE error ~ 'answered HTTP [0-9]{3}|^the SMTP server \\S+: '`);
    await q.query(`ALTER TABLE delivery_attempts ENABLE TRIGGER tr_delivery_attempts_append_only`);
  }

  async down(): Promise<void> {
    // Nothing to undo in the schema. The values moved into their limits and the error texts cut
    // down are not restored: the old values were unsafe, and the cut bytes are gone.
  }
}
