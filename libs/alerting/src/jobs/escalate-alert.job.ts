import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type EscalateAlertJob, type Severity } from '@kanshi/contracts';
import { NotificationRepository } from '@kanshi/persistence';
import { AlertFollowUps } from '../alert-follow-ups.service';
import { NotificationRuns } from '../notification-runs.service';
import { settingMs } from '@kanshi/alerting-core';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';
import { logEntry } from '@kanshi/runtime';

/** Payload: {@link EscalateAlertJob}. Escalates an alert still unacknowledged after its SLA and plans the next level. */
@Injectable()
@JobHandler(JOBS.escalateAlert)
export class EscalateAlertJobHandler implements JobHandlerOf<typeof JOBS.escalateAlert> {
  private readonly logger = new Logger(EscalateAlertJobHandler.name);

  constructor(
    private readonly store: NotificationRepository,
    private readonly runs: NotificationRuns,
    private readonly followUps: AlertFollowUps,
  ) {}

  async handle(job: EscalateAlertJob): Promise<void> {
    const alert = await this.store.followUpState(job.tenant_id, job.alert_id);
    if (!alert) return;
    const sla = (await this.followUps.settings(job.tenant_id)).severities[alert.severity as Severity].ack_sla;
    if (sla === null) return;
    const result = await this.runs.escalate(job, settingMs(sla), new Date());
    if (result.outcome === 'void') return;
    this.logger.warn(logEntry(`alert ${job.alert_id} escalated to level ${job.level}: not acknowledged within ${sla} (tenant ${job.tenant_id})`, { tenant: job.tenant_id, alert: job.alert_id }));
    await this.followUps.deliver(result.pending);
    await this.followUps.afterAlertChange(job.tenant_id, job.alert_id);
  }
}
