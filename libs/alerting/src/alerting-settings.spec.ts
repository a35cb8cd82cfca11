import { Value } from '@sinclair/typebox/value';
import { ALERTING_SETTINGS_PATCH_SCHEMA, ALERTING_SETTINGS_SCHEMA, DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings, settingMs } from './alerting-settings';

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
