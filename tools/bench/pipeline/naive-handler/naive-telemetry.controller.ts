import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { describeIssues, TOPICS, validateTelemetryEvent } from '@kanshi/contracts';
import { FindingCollector, InventoryCache, PolicyEvaluator } from '@kanshi/policy-core';
import { NaiveAlertQueue } from './naive-alert.queue';

/**
 * The per-message handler a team would write with Nest's Kafka transport: the payload arrives
 * parsed (Nest JSON-parses the record's value), is validated against the telemetry contract,
 * routed and evaluated by every built-in sector module with Kanshi's own evaluator and
 * inventory, and each finding is enqueued with its own awaited `add`.
 */
@Controller()
export class NaiveTelemetryController {
  private readonly logger = new Logger(NaiveTelemetryController.name);

  constructor(
    private readonly evaluator: PolicyEvaluator,
    private readonly inventory: InventoryCache,
    private readonly alerts: NaiveAlertQueue,
  ) {}

  @EventPattern(TOPICS.telemetry)
  async onTelemetry(@Payload() value: unknown): Promise<void> {
    const decoded = validateTelemetryEvent(value);
    if (!decoded.ok) {
      // No dead-letter topic here: a team's first version logs and moves on.
      this.logger.warn(`invalid telemetry (${decoded.reason}): ${describeIssues(decoded.issues)}`);
      return;
    }
    const { event } = decoded;
    if (!this.inventory.hasTenant(event.tenant_id)) {
      this.logger.warn(`telemetry of unknown tenant "${event.tenant_id}" skipped`);
      return;
    }
    const collector = new FindingCollector();
    this.evaluator.evaluate(event, this.inventory.get(event.tenant_id, event.model_id), collector);
    for (const job of collector.toJobs()) {
      for (const finding of job.findings) await this.alerts.add({ ...job, findings: [finding] });
    }
  }
}
