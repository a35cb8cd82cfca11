import { Injectable, Logger } from '@nestjs/common';
import { JOBS, type ClearAlertJob } from '@kanshi/contracts';
import { AlertWrites } from '@kanshi/persistence';
import { JobHandler, type JobHandlerOf } from '@kanshi/queue';
import { AlertMetrics } from '../alert-metrics';
import { logEntry } from '@kanshi/runtime';

/** Payload: {@link ClearAlertJob}. Counts how long an open alert has been clear and auto-resolves it; safe to run twice. */
@Injectable()
@JobHandler(JOBS.clearAlert)
export class ClearAlertJobHandler implements JobHandlerOf<typeof JOBS.clearAlert> {
  private readonly logger = new Logger(ClearAlertJobHandler.name);

  constructor(
    private readonly alerts: AlertWrites,
    private readonly metrics: AlertMetrics,
  ) {}

  async handle(job: ClearAlertJob): Promise<void> {
    const result = await this.alerts.recordClear(job);
    if (result.outcome === 'resolved') {
      this.metrics.transitioned('auto-resolve');
      this.logger.log(
        logEntry(`alert ${result.alertId} auto-resolved: ${job.rule_id} clear since ${result.clearSince.toISOString()} (tenant ${job.tenant_id}, model ${job.model_id})`, {
          tenant: job.tenant_id,
          model: job.model_id,
          rule: job.rule_id,
          alert: result.alertId,
        }),
      );
    }
  }
}
