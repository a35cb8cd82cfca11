import { Injectable, Logger } from '@nestjs/common';
import { JOBS, notificationGroupKey, type NotifyGroupJob } from '@kanshi/contracts';
import { Batcher } from '@kanshi/runtime';
import { NotificationRuns, type GroupRunResult } from '../notification-runs.service';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { settingMs } from '@kanshi/alerting-core';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';

/**
 * Payload: {@link NotifyGroupJob}. Sends one notification per channel for the due alerts of a
 * group (new, raised in severity, or due to repeat), then plans the group's next run. Runs of
 * groups that are due at once share one transaction, and their deliveries and next runs one
 * call to the queue (see {@link Batcher}).
 */
@Injectable()
@JobHandler(JOBS.notifyGroup)
export class NotifyGroupJobHandler implements JobHandlerOf<typeof JOBS.notifyGroup> {
  private readonly logger = new Logger(NotifyGroupJobHandler.name);
  private readonly batch: Batcher<{ readonly job: NotifyGroupJob; readonly repeatMs: number }, GroupRunResult>;

  constructor(
    private readonly runs: NotificationRuns,
    private readonly followUps: AlertFollowUps,
  ) {
    // Up to 64 groups a transaction, two transactions at a time.
    this.batch = new Batcher(async (requests) => {
      const now = new Date();
      const results = await this.runs.runGroups(
        requests.map(({ job, repeatMs }) => ({ tenantId: job.tenant_id, groupKey: notificationGroupKey(job), modelId: job.model_id, severity: job.severity, repeatMs })),
        now,
      );
      // Stored before queued: a failure here retries the jobs, whose runs then find nothing
      // due; their pending notifications are queued again at the worker's next boot.
      await this.followUps.afterGroupRuns(
        results.map((result, i) => ({ data: (requests[i] as { job: NotifyGroupJob }).job, pending: result.pending, nextRunAt: result.nextRunAt })),
        now,
      );
      return results;
    }, { maxBatch: 64, maxInFlight: 1 });
  }

  async handle(job: NotifyGroupJob): Promise<void> {
    const settings = await this.followUps.settings(job.tenant_id);
    const repeatMs = settingMs(settings.severities[job.severity].repeat_interval);
    const run = await this.batch.submit({ job, repeatMs });
    if (run.notified + run.silenced > 0) {
      this.logger.log(
        `group ${job.model_id}/${job.severity} of tenant ${job.tenant_id}: ${run.notified} alert(s) in ${run.pending.length} notification(s), ${run.silenced} silenced`,
      );
    }
  }
}
