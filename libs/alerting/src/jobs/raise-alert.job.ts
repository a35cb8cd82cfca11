import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type RaiseAlertJob } from '@kanshi/contracts';
import { AlertRepository } from '@kanshi/persistence';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { JobHandler, type JobHandlerOf } from '../job-handler.decorator';

/** Payload: {@link RaiseAlertJob}. Upserts the alert by fingerprint, then schedules its notification, escalation and clocks; safe to run twice. */
@Injectable()
@JobHandler(JOBS.raiseAlert)
export class RaiseAlertJobHandler implements JobHandlerOf<typeof JOBS.raiseAlert> {
  private readonly logger = new Logger(RaiseAlertJobHandler.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly followUps: AlertFollowUps,
  ) {}

  async handle(job: RaiseAlertJob): Promise<void> {
    const result = await this.alerts.recordFindings(job);
    if (result.created) {
      this.logger.log(`alert ${result.alertId} raised: ${job.rule_id} ${job.title} (tenant ${job.tenant_id}, model ${job.model_id})`);
    }
    // Always, not only when something changed: a retry after a crash between the two steps
    // must still schedule what the stored alert calls for (the job ids make it a no-op otherwise).
    await this.followUps.afterAlertChange(job.tenant_id, result.alertId);
  }
}
