import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type RaiseAlertJob } from '@kanshi/contracts';
import { AlertRepository } from '@kanshi/persistence';
import { JobHandler, type JobHandlerOf } from '../job-handler.decorator';

/** Payload: {@link RaiseAlertJob}. Upserts the alert by fingerprint; safe to run twice. */
@Injectable()
@JobHandler(JOBS.raiseAlert)
export class RaiseAlertJobHandler implements JobHandlerOf<typeof JOBS.raiseAlert> {
  private readonly logger = new Logger(RaiseAlertJobHandler.name);

  constructor(private readonly alerts: AlertRepository) {}

  async handle(job: RaiseAlertJob): Promise<void> {
    const result = await this.alerts.recordFindings(job);
    if (result.created) {
      this.logger.log(`alert ${result.alertId} raised: ${job.rule_id} ${job.title} (tenant ${job.tenant_id}, model ${job.model_id})`);
    }
  }
}
