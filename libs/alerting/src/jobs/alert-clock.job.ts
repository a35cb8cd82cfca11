import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type AlertClockJob } from '@kanshi/contracts';
import { NotificationRuns } from '../notification-runs.service';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';
import { logEntry } from '@kanshi/runtime';

/** Payload: {@link AlertClockJob}. A reminder before a regulatory deadline, or the deadline missed (severity to critical). */
@Injectable()
@JobHandler(JOBS.alertClock)
export class AlertClockJobHandler implements JobHandlerOf<typeof JOBS.alertClock> {
  private readonly logger = new Logger(AlertClockJobHandler.name);

  constructor(
    private readonly runs: NotificationRuns,
    private readonly followUps: AlertFollowUps,
  ) {}

  async handle(job: AlertClockJob): Promise<void> {
    const result = await this.runs.clock(job, new Date());
    if (result.outcome === 'void') return;
    if (job.point === 'deadline') {
      this.logger.warn(logEntry(`alert ${job.alert_id} missed its regulatory deadline ${job.due_at}: raised to critical (tenant ${job.tenant_id})`, { tenant: job.tenant_id, alert: job.alert_id }));
    } else {
      this.logger.log(logEntry(`alert ${job.alert_id}: regulatory deadline ${job.due_at} is ${job.before ?? ''} away (tenant ${job.tenant_id})`, { tenant: job.tenant_id, alert: job.alert_id }));
    }
    await this.followUps.deliver(result.pending);
    await this.followUps.afterAlertChange(job.tenant_id, job.alert_id);
  }
}
