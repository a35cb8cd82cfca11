import { Injectable, Logger } from '@nestjs/common';
import { JOBS, notificationGroupKey, type NotifyGroupJob } from '@kanshi/contracts';
import { NotificationRuns } from '../notification-runs.service';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { settingMs } from '@kanshi/alerting-core';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';

/**
 * Payload: {@link NotifyGroupJob}. Sends one notification per channel for the due alerts of a
 * group (new, raised in severity, or due to repeat), then plans the group's next run.
 */
@Injectable()
@JobHandler(JOBS.notifyGroup)
export class NotifyGroupJobHandler implements JobHandlerOf<typeof JOBS.notifyGroup> {
  private readonly logger = new Logger(NotifyGroupJobHandler.name);

  constructor(
    private readonly runs: NotificationRuns,
    private readonly followUps: AlertFollowUps,
  ) {}

  async handle(job: NotifyGroupJob): Promise<void> {
    const settings = await this.followUps.settings(job.tenant_id);
    const repeatMs = settingMs(settings.severities[job.severity].repeat_interval);
    const now = new Date();
    const run = await this.runs.runGroup(job.tenant_id, notificationGroupKey(job), { modelId: job.model_id, severity: job.severity }, repeatMs, now);
    await this.followUps.deliver(run.pending);
    if (run.nextRunAt) await this.followUps.queueGroupRun(job, run.nextRunAt, now);
    if (run.notified + run.silenced > 0) {
      this.logger.log(
        `group ${job.model_id}/${job.severity} of tenant ${job.tenant_id}: ${run.notified} alert(s) in ${run.pending.length} notification(s), ${run.silenced} silenced`,
      );
    }
  }
}
