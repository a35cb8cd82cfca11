import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type RaiseAlertJob } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { AlertRepository } from '@kanshi/persistence';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { AlertQueue } from '../alert-queue.service';
import { JobHandler, type JobHandlerOf } from '../job-handler.decorator';
import { HoldJobUntil, QuotaCounter } from '../quotas/quota-counter';
import { minuteOf, QUOTA_RULE_ID, QUOTA_VARIABLES, quotaAlertJob, TENANT_QUOTAS } from '../quotas/tenant-quota';

/**
 * Payload: {@link RaiseAlertJob}. Upserts the alert by fingerprint, then schedules its
 * notification, escalation and clocks; safe to run twice. A new alert counts against the
 * tenant's alert creations per minute: over it, the job waits for the next minute (findings
 * of alerts that exist are never held) and the tenant's quota alert is raised.
 */
@Injectable()
@JobHandler(JOBS.raiseAlert)
export class RaiseAlertJobHandler implements JobHandlerOf<typeof JOBS.raiseAlert> {
  private readonly logger = new Logger(RaiseAlertJobHandler.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly followUps: AlertFollowUps,
    private readonly quotas: QuotaCounter,
    private readonly queue: AlertQueue,
    private readonly config: AppConfig,
  ) {}

  async handle(job: RaiseAlertJob): Promise<void> {
    const limit = this.config.values.alertCreationsPerMinuteQuota;
    const now = Date.now();
    // The tenant's own quota alert is never held back by the quota it reports.
    const mayCreate = job.rule_id === QUOTA_RULE_ID ? () => Promise.resolve(true) : () => this.quotas.take(job.tenant_id, TENANT_QUOTAS.alertCreations, limit, now);
    const result = await this.alerts.recordFindings(job, mayCreate);
    if (!result) {
      const windowStart = minuteOf(now);
      const quota = TENANT_QUOTAS.alertCreations;
      await this.queue.enqueue([quotaAlertJob({ tenantId: job.tenant_id, quota, limit, windowStart, variable: QUOTA_VARIABLES[quota], action: 'held back' })]);
      throw new HoldJobUntil(windowStart + 60_000, `tenant ${job.tenant_id} is over its ${quota} quota (${limit}); the new alert waits for the next minute`);
    }
    if (result.created) {
      this.logger.log(`alert ${result.alertId} raised: ${job.rule_id} ${job.title} (tenant ${job.tenant_id}, model ${job.model_id})`);
    }
    // Always, not only when something changed: a retry after a crash between the two steps
    // must still schedule what the stored alert calls for (the job ids make it a no-op otherwise).
    await this.followUps.afterAlertChange(job.tenant_id, result.alertId);
  }
}
