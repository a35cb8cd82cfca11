import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type SilenceTimerJob } from '@kanshi/contracts';
import { NotificationRuns } from '../notification-runs.service';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';
import { logEntry } from '@kanshi/runtime';

/** Payload: {@link SilenceTimerJob}. Tells the tenant's first-level channels that a silence ends soon. */
@Injectable()
@JobHandler(JOBS.remindSilence)
export class RemindSilenceJobHandler implements JobHandlerOf<typeof JOBS.remindSilence> {
  private readonly logger = new Logger(RemindSilenceJobHandler.name);

  constructor(
    private readonly runs: NotificationRuns,
    private readonly followUps: AlertFollowUps,
  ) {}

  async handle(job: SilenceTimerJob): Promise<void> {
    const result = await this.runs.remindSilence(job, new Date());
    if (result.outcome === 'void') return;
    this.logger.log(logEntry(`silence ${job.silence_id} ends at ${job.ends_at}: reminder in ${result.pending.length} notification(s) (tenant ${job.tenant_id})`, { tenant: job.tenant_id }));
    await this.followUps.deliver(result.pending);
  }
}
