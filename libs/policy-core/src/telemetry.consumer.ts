import { Controller, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { quotaAlertJob, REPARTITIONED_FROM_HEADER, TOPICS } from '@kanshi/contracts';
import { AlertQueue } from '@kanshi/queue';
import { batchFailure, KAFKA_ASSIGNMENT_PATTERN, KafkaProducer, type KafkaAssignment, type KafkaBatch, type OutgoingRecord } from '@kanshi/messaging';
import { AppConfig } from '@kanshi/config';
import { LogDigest, logEntry, Tracing } from '@kanshi/runtime';
import { BatchTraces } from './batch-traces';
import { InventoryCache } from './inventory-cache.service';
import { tallyDeadLetters, toDeadLetterRecords } from './dead-letter-records';
import { PartitionClocks } from './partition-clocks';
import { RuleCheckpoints } from './rule-checkpoints';
import { ConsumerProgress } from './consumer-progress';
import { EngineMetrics } from './engine-metrics';
import { TelemetryBatchProcessor, type BatchOutcome, type Forward, type TelemetryRecord } from './telemetry-batch.processor';

/** A record moved to its model's partition: as it was (key, value, signature), marked with where it was read. */
function toForwardedRecord({ record, partition }: Forward): OutgoingRecord {
  return {
    key: record.key,
    value: record.value,
    headers: { ...record.headers, [REPARTITIONED_FROM_HEADER]: `${record.partition}/${record.offset}` },
    partition,
  };
}

function mergeOutcomes(first: BatchOutcome, second: BatchOutcome): BatchOutcome {
  return {
    evaluated: first.evaluated + second.evaluated,
    forwards: [...first.forwards, ...second.forwards],
    repartitionDuplicates: first.repartitionDuplicates + second.repartitionDuplicates,
    misplacedEvaluated: first.misplacedEvaluated + second.misplacedEvaluated,
    quotaBreaches: [...first.quotaBreaches, ...second.quotaBreaches],
    findings: first.findings + second.findings,
    deadLetters: [...first.deadLetters, ...second.deadLetters],
    alertJobs: [...first.alertJobs, ...second.alertJobs],
    clearJobs: [...first.clearJobs, ...second.clearJobs],
    ruleFailures: [...first.ruleFailures, ...second.ruleFailures],
    deployments: [...first.deployments, ...second.deployments],
    telemetrySeen: [...first.telemetrySeen, ...second.telemetrySeen],
    ruleVerdicts: [...first.ruleVerdicts, ...second.ruleVerdicts],
    latestEventTime:
      first.latestEventTime === null || second.latestEventTime === null
        ? (first.latestEventTime ?? second.latestEventTime)
        : Math.max(first.latestEventTime, second.latestEventTime),
  };
}

/** Waits for every write, then throws the first failure: no write is left running into the batch's retry. */
async function settleAll(writes: readonly Promise<void>[]): Promise<void> {
  for (const result of await Promise.allSettled(writes)) {
    if (result.status === 'rejected') throw result.reason;
  }
}

/**
 * The engine's hot path for one batch: evaluate, dead-letter what cannot be used, enqueue the
 * alert jobs. Returning lets the transport commit the batch's offsets; throwing makes Kafka
 * redeliver it, so a finding is never lost between the two.
 */
@Controller()
export class TelemetryConsumer implements OnModuleDestroy {
  private readonly logger = new Logger(TelemetryConsumer.name);
  // A producer can multiply refused records, and a broken rule fails on every event: each sums
  // up in one line every 10 s (the first at once), with counts and a sample.
  private readonly deadLetterLog = new LogDigest((line) => this.logger.warn(line), (n) => `dead-lettered ${n} record${n === 1 ? '' : 's'}`);
  private readonly ruleFailureLog = new LogDigest((line) => this.logger.error(line), (n) => `${n} rule failure${n === 1 ? '' : 's'}`);

  private readonly tracing: Tracing;

  constructor(
    private readonly processor: TelemetryBatchProcessor,
    private readonly producer: KafkaProducer,
    private readonly alerts: AlertQueue,
    private readonly inventory: InventoryCache,
    private readonly config: AppConfig,
    private readonly checkpoints: RuleCheckpoints,
    private readonly clocks: PartitionClocks,
    private readonly metrics: EngineMetrics,
    private readonly progress: ConsumerProgress,
    @Optional() tracing?: Tracing,
  ) {
    this.tracing = tracing ?? Tracing.off;
  }

  /** What the digests counted since their last line is written before the engine stops. */
  onModuleDestroy(): void {
    this.deadLetterLog.flush();
    this.ruleFailureLog.flush();
  }

  @EventPattern(TOPICS.telemetry)
  async onBatch(@Payload() batch: KafkaBatch): Promise<void> {
    const timed = this.metrics.startBatch();
    this.progress.batchStarted(batch.partition, Date.now());
    try {
      await this.handle(batch);
      timed('ok');
      this.progress.batchEnded(batch.partition, true, Date.now());
    } catch (error) {
      timed('failed');
      this.progress.batchEnded(batch.partition, false, Date.now());
      // The batch is retried: it must start again from the partition's last checkpoint, not from
      // state its failed attempt already changed in memory.
      this.checkpoints.invalidate(batch.topic, batch.partition);
      // The transport logs it, sparingly through an outage; the batch is retried.
      throw batchFailure(error);
    }
  }

  /** The group's assignment changed: readiness and the metrics follow the telemetry partitions this instance holds. */
  @EventPattern(KAFKA_ASSIGNMENT_PATTERN)
  onAssignment(@Payload() assignment: KafkaAssignment): void {
    this.progress.assigned(assignment.partitions[TOPICS.telemetry] ?? [], assignment.member, Date.now());
  }

  private async handle(batch: KafkaBatch): Promise<void> {
    const last = batch.records.at(-1);
    if (!last) return;
    // Records the partition's checkpointed state already counts (redelivered after a crash) are skipped.
    const resumeAt = await this.checkpoints.resume(batch.topic, batch.partition, batch.assignment);
    const records = resumeAt === null ? batch.records : batch.records.filter((r) => BigInt(r.offset) >= resumeAt);
    // Records carrying a `traceparent` are followed, each by a span from here to the commit.
    const traces = new BatchTraces(this.tracing, records, this.config.values.maxEventBytes);
    try {
      await this.evaluate(batch, records, traces);
      traces.end();
    } catch (error) {
      traces.end(error);
      throw error;
    }
  }

  private async evaluate(batch: KafkaBatch, records: readonly TelemetryRecord[], traces: BatchTraces): Promise<void> {
    const last = batch.records.at(-1);
    if (!last) return;
    const placement = { partitions: batch.partitionCount, marks: this.checkpoints.marksOf(batch.topic, batch.partition) };
    let outcome = this.processor.process(records, batch.partition, placement);
    // A tenant or an ingest key made a moment ago may not be in memory yet: reload once, and
    // evaluate the records refused for it (they were not evaluated, so nothing counts twice).
    const stale = outcome.deadLetters.filter((d) => d.retryAfterRefresh === true);
    if (stale.length > 0 && (await this.inventory.refreshIfOlderThan(1000))) {
      outcome = mergeOutcomes(
        { ...outcome, deadLetters: outcome.deadLetters.filter((d) => d.retryAfterRefresh !== true) },
        this.processor.process(stale.map((d) => d.record), batch.partition, placement),
      );
    }
    for (const failure of outcome.ruleFailures) {
      this.ruleFailureLog.add(`${failure.moduleId}/${failure.ruleId}`, 1, `on ${failure.trigger}: ${String(failure.error)}`);
    }
    for (const { reason, count, sample } of tallyDeadLetters(outcome.deadLetters)) this.deadLetterLog.add(reason, count, sample);
    const { engineGroupId, maxEventBytes } = this.config.values;
    const deadLetters = toDeadLetterRecords(outcome.deadLetters, engineGroupId, maxEventBytes);
    if (outcome.forwards.length > 0 || outcome.misplacedEvaluated > 0) {
      this.logger.warn(
        `partition ${batch.partition}: moved ${outcome.forwards.length} records to the partition of their tenant:model` +
          (outcome.misplacedEvaluated > 0 ? `; evaluated ${outcome.misplacedEvaluated} moved records still misplaced (partition count changed?)` : ''),
      );
    }
    for (const breach of outcome.quotaBreaches) {
      this.logger.warn(
        logEntry(`tenant ${breach.tenantId} is over its ${breach.quota} quota (${breach.limit}): its events are dead-lettered as QUOTA_EXCEEDED`, { tenant: breach.tenantId }),
      );
    }
    // What the batch writes elsewhere, all before its checkpoint and offsets (so a crash writes it
    // again: every one is idempotent or counted once by its reader), and at the same time: each
    // waits on another server, and a batch's latency is the longest of them, not their sum.
    // Records a producer's partitioner put on the wrong partition go to their model's, marked so
    // that a second move after a replay is counted once there. (Built before any write starts.)
    const forwards = outcome.forwards.map((f) => toForwardedRecord(f));
    const alertJobs = traces.label([...outcome.alertJobs, ...outcome.quotaBreaches.map(quotaAlertJob)]);
    await settleAll([
      this.producer.send(TOPICS.telemetryDeadLetter, deadLetters),
      this.producer.send(batch.topic, forwards),
      this.alerts.enqueue(alertJobs, outcome.clearJobs),
      // Only batches with a model_deployment write the inventory.
      this.inventory.recordDeployments(outcome.deployments),
      this.inventory.recordTelemetrySeen(outcome.telemetrySeen),
      this.inventory.recordRuleVerdicts(outcome.ruleVerdicts),
    ]);
    await this.metrics.timeCheckpoint(() => this.checkpoints.save(batch.topic, batch.partition, BigInt(last.offset) + 1n));
    // Behind the log end, the partition's timers follow its event time (see PartitionClocks).
    this.clocks.record(batch.partition, outcome.latestEventTime, BigInt(last.offset) + 1n, BigInt(batch.highWatermark));
    // Counted once the batch is through: an attempt that fails is retried, and counts nothing.
    this.metrics.batchHandled(records.length, outcome, alertJobs);
    this.logger.debug(
      `partition ${batch.partition}: ${batch.records.length} records, ${outcome.evaluated} evaluated, ` +
        `${outcome.findings} findings, ${outcome.deadLetters.length} dead-lettered`,
    );
  }
}
