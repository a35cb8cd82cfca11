import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@kanshi/contracts';
import { AlertQueue } from '@kanshi/alerting';
import { KafkaProducer, type KafkaBatch } from '@kanshi/messaging';
import { AppConfig } from '@kanshi/config';
import { InventoryCache } from './inventory-cache.service';
import { sendChunks, toDeadLetterRecord } from './dead-letter-records';
import { TelemetryBatchProcessor } from './telemetry-batch.processor';

/**
 * The engine's hot path for one batch: evaluate, dead-letter what cannot be used, enqueue the
 * alert jobs. Returning lets the transport commit the batch's offsets; throwing makes Kafka
 * redeliver it, so a finding is never lost between the two.
 */
@Controller()
export class TelemetryConsumer {
  private readonly logger = new Logger(TelemetryConsumer.name);

  constructor(
    private readonly processor: TelemetryBatchProcessor,
    private readonly producer: KafkaProducer,
    private readonly alerts: AlertQueue,
    private readonly inventory: InventoryCache,
    private readonly config: AppConfig,
  ) {}

  @EventPattern(TOPICS.telemetry)
  async onBatch(@Payload() batch: KafkaBatch): Promise<void> {
    let outcome = this.processor.process(batch.records);
    // A tenant created a moment ago may not be in memory yet: reload once before refusing.
    if (outcome.deadLetters.some((d) => d.reason === 'UNKNOWN_TENANT') && (await this.inventory.refreshIfOlderThan(1000))) {
      outcome = this.processor.process(batch.records);
    }
    for (const failure of outcome.ruleFailures) {
      this.logger.error(
        `rule ${failure.ruleId} of module "${failure.moduleId}" threw on event ${failure.eventId}: ${String(failure.error)}`,
      );
    }
    for (const dead of outcome.deadLetters) {
      this.logger.warn(`dead-lettered ${dead.record.topic}/${dead.record.partition}@${dead.record.offset}: ${dead.reason}: ${dead.error}`);
    }
    const { engineGroupId, maxEventBytes } = this.config.values;
    const deadLetters = outcome.deadLetters.map((d) => toDeadLetterRecord(d, engineGroupId, maxEventBytes));
    for (const chunk of sendChunks(deadLetters)) await this.producer.send(TOPICS.telemetryDeadLetter, chunk);
    await this.alerts.enqueue(outcome.alertJobs);
    this.logger.debug(
      `partition ${batch.partition}: ${batch.records.length} records, ${outcome.evaluated} evaluated, ` +
        `${outcome.findings} findings, ${outcome.deadLetters.length} dead-lettered`,
    );
  }
}
