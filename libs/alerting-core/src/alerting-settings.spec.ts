import { Value } from '@sinclair/typebox/value';
import {
  ALERTING_SETTINGS_PATCH_SCHEMA,
  ALERTING_SETTINGS_SCHEMA,
  alertingSettingsProblems,
  DEFAULT_ALERTING_SETTINGS,
  DURATION_LIMITS,
  mergeAlertingSettings,
  settingMs,
} from './alerting-settings';

describe('alerting settings', () => {
  it('has defaults that fit the schema, with a faster response the higher the severity', () => {
    expect(Value.Check(ALERTING_SETTINGS_SCHEMA, DEFAULT_ALERTING_SETTINGS)).toBe(true);
    const s = DEFAULT_ALERTING_SETTINGS.severities;
    expect(settingMs(s.critical.group_wait)).toBeLessThan(settingMs(s.high.group_wait));
    expect(settingMs(s.critical.ack_sla ?? '0ms')).toBeLessThan(settingMs(s.high.ack_sla ?? '0ms'));
  });

  it('merges a partial change over the settings, one severity field at a time', () => {
    const merged = mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, { severities: { high: { group_wait: '5s' } }, clock_reminders: ['7d'] });
    expect(merged.severities.high).toEqual({ ...DEFAULT_ALERTING_SETTINGS.severities.high, group_wait: '5s' });
    expect(merged.severities.critical).toEqual(DEFAULT_ALERTING_SETTINGS.severities.critical);
    expect(merged.clock_reminders).toEqual(['7d']);
    expect(merged.max_escalation_level).toBe(DEFAULT_ALERTING_SETTINGS.max_escalation_level);
  });

  it('skips a stored value that no longer fits and keeps the others', () => {
    const merged = mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, { severities: { high: { group_wait: 'soon', repeat_interval: '2h' } }, silence_reminder: '30m' });
    expect(merged.severities.high).toEqual({ ...DEFAULT_ALERTING_SETTINGS.severities.high, repeat_interval: '2h' });
    expect(merged.silence_reminder).toBe('30m');
    expect(mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, { max_escalation_level: 99 })).toEqual(DEFAULT_ALERTING_SETTINGS);
  });

  it('refuses patches with unknown fields or durations without a unit', () => {
    expect(Value.Check(ALERTING_SETTINGS_PATCH_SCHEMA, { severities: { high: { ack_sla: null } } })).toBe(true);
    expect(Value.Check(ALERTING_SETTINGS_PATCH_SCHEMA, { severities: { urgent: {} } })).toBe(false);
    expect(Value.Check(ALERTING_SETTINGS_PATCH_SCHEMA, { silence_reminder: '60' })).toBe(false);
    expect(Value.Check(ALERTING_SETTINGS_PATCH_SCHEMA, { group_wait: '1s' })).toBe(false);
  });
});

describe('alerting settings limits', () => {
  it('refuses a repeat interval of 0ms, which would notify the same alerts for ever, naming the field and the minimum', () => {
    expect(alertingSettingsProblems({ severities: { high: { repeat_interval: '0ms' } } })).toEqual([
      { field: 'severities.high.repeat_interval', message: 'must be at least 1m (got 0ms)' },
    ]);
  });

  it('checks every duration against its minimum and maximum, naming each bad one', () => {
    const problems = alertingSettingsProblems({
      severities: { critical: { group_wait: '0s', ack_sla: '59s' }, low: { repeat_interval: '31d', group_wait: '2h' } },
      clock_reminders: ['1d', '30s', '400d'],
      silence_reminder: '500ms',
    });

    expect(problems).toEqual([
      { field: 'severities.low.group_wait', message: 'must be at most 1h (got 2h)' },
      { field: 'severities.low.repeat_interval', message: 'must be at most 30d (got 31d)' },
      { field: 'severities.critical.group_wait', message: 'must be at least 1s (got 0s)' },
      { field: 'severities.critical.ack_sla', message: 'must be at least 1m (got 59s)' },
      { field: 'clock_reminders.1', message: 'must be at least 1m (got 30s)' },
      { field: 'clock_reminders.2', message: 'must be at most 365d (got 400d)' },
      { field: 'silence_reminder', message: 'must be at least 1m (got 500ms)' },
    ]);
  });

  it('accepts the limits themselves, null SLAs and the defaults', () => {
    expect(
      alertingSettingsProblems({
        severities: { high: { group_wait: '1000ms', repeat_interval: '60s', ack_sla: null }, medium: { group_wait: '60m', repeat_interval: '720h', ack_sla: '30d' } },
        clock_reminders: ['1m', '365d'],
        silence_reminder: '30d',
      }),
    ).toEqual([]);
    expect(alertingSettingsProblems(DEFAULT_ALERTING_SETTINGS)).toEqual([]);
  });

  it('has minimums below its maximums', () => {
    for (const limits of Object.values(DURATION_LIMITS)) expect(settingMs(limits.min)).toBeLessThan(settingMs(limits.max));
  });
});
