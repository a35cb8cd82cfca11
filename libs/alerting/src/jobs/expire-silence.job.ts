import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type SilenceTimerJob } from '@kanshi/contracts';
import { NotificationRuns } from '../notification-runs.service';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';
import { logEntry } from '@kanshi/runtime';

/** Payload: {@link SilenceTimerJob}. A silence ended: its alerts fire again and are notified as usual. */
@Injectable()
@JobHandler(JOBS.expireSilence)
export class ExpireSilenceJobHandler implements JobHandlerOf<typeof JOBS.expireSilence> {
  private readonly logger = new Logger(ExpireSilenceJobHandler.name);

  constructor(
    private readonly runs: NotificationRuns,
    private readonly followUps: AlertFollowUps,
  ) {}

  async handle(job: SilenceTimerJob): Promise<void> {
    const result = await this.runs.expireSilence(job, new Date());
    if (result.outcome === 'void') return;
    this.logger.log(logEntry(`silence ${job.silence_id} ended: ${result.alertIds.length} alert(s) fire again (tenant ${job.tenant_id})`, { tenant: job.tenant_id }));
    for (const alertId of result.alertIds) await this.followUps.afterAlertChange(job.tenant_id, alertId);
  }
}
