import { raiseAlertJobId } from './alert-job';
import { dayOf, minuteOf, quotaAlertJob, TENANT_ALERT_MODEL, type QuotaBreach } from './tenant-quota';

describe('quotaAlertJob', () => {
  const breach: QuotaBreach = {
    tenantId: 'acme',
    quota: 'events-per-minute',
    limit: 100,
    windowStart: Date.parse('2026-12-06T10:15:00Z'),
    variable: 'KANSHI_QUOTA_EVENTS_PER_MINUTE',
    action: 'dead-lettered',
  };

  it("raises one alert per tenant and quota, with one finding per window: every instance's report of a window is the same job", () => {
    const job = quotaAlertJob(breach);
    expect(job).toMatchObject({ tenant_id: 'acme', model_id: TENANT_ALERT_MODEL, rule_id: 'Q1', scope: 'events-per-minute', args: { limit: 100 } });
    expect(job.source).toContain('KANSHI_QUOTA_EVENTS_PER_MINUTE');
    expect(raiseAlertJobId(quotaAlertJob({ ...breach }))).toBe(raiseAlertJobId(job));
    const nextMinute = quotaAlertJob({ ...breach, windowStart: breach.windowStart + 60_000 });
    expect(nextMinute.fingerprint).toBe(job.fingerprint);
    expect(nextMinute.findings[0]?.finding_id).not.toBe(job.findings[0]?.finding_id);
    expect(quotaAlertJob({ ...breach, quota: 'notifications-per-minute' }).fingerprint).not.toBe(job.fingerprint);
    expect(quotaAlertJob({ ...breach, tenantId: 'globex' }).fingerprint).not.toBe(job.fingerprint);
  });

  it('starts windows on the minute and on the UTC day', () => {
    const t = Date.parse('2026-12-06T10:15:42.123Z');
    expect(new Date(minuteOf(t)).toISOString()).toBe('2026-12-06T10:15:00.000Z');
    expect(new Date(dayOf(t)).toISOString()).toBe('2026-12-06T00:00:00.000Z');
  });
});
