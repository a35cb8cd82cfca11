import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEAD_LETTER_REASONS, QUOTA_RULE_ID, TENANT_QUOTAS, type DeadLetterReason, type RaiseAlertJob } from '@kanshi/contracts';
import { ConsumerProgress } from './consumer-progress';
import { PartitionClocks } from './partition-clocks';
import { PolicyEvaluator } from './policy-evaluator';
import type { BatchOutcome, EngineQuota } from './telemetry-batch.processor';

/** Seconds, from 1 ms to 30 s: a batch or a checkpoint takes milliseconds, and many seconds through an outage. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const ENGINE_QUOTAS: readonly EngineQuota[] = [TENANT_QUOTAS.events, TENANT_QUOTAS.unregisteredModels];

export type BatchResult = 'ok' | 'failed';

/**
 * The engine's metrics, in the app's Prometheus registry. Labels never carry ids of tenants,
 * models, events or alerts: only partitions, reasons, quotas, and the loaded modules and rules.
 * The partitions held and their lag are read when scraped, from the consumer's progress and the
 * log ends the rule clock reads every second: they move even while a batch hangs.
 */
@Injectable()
export class EngineMetrics {
  private readonly moved: Counter;
  private readonly movedTwice: Counter;
  private readonly misplaced: Counter;
  private readonly deadLetters: Counter<'reason'>;
  private readonly consumed: Counter;
  private readonly evaluated: Counter;
  private readonly findings: Counter<'rule'>;
  private readonly quotaRefusals: Counter<'quota'>;
  private readonly batchSeconds: Histogram<'outcome'>;
  private readonly checkpointSeconds: Histogram;

  constructor(registry: Registry, evaluator: PolicyEvaluator, progress: ConsumerProgress, clocks: PartitionClocks) {
    const registers = [registry];
    this.moved = new Counter({
      name: 'kanshi_engine_records_repartitioned_total',
      help: 'Telemetry records read on another partition than the one of their tenant:model (a producer partitioner other than murmur2), moved there.',
      registers,
    });
    this.movedTwice = new Counter({
      name: 'kanshi_engine_repartition_duplicates_total',
      help: 'Moved records that arrived a second time (the source replayed its batch) and were skipped.',
      registers,
    });
    this.misplaced = new Counter({
      name: 'kanshi_engine_records_misplaced_total',
      help: 'Moved records still on the wrong partition (the partition count changed), evaluated where they were.',
      registers,
    });
    this.deadLetters = new Counter({ name: 'kanshi_engine_dead_letters_total', help: 'Records sent to the dead-letter topic, by reason.', labelNames: ['reason'], registers });
    this.consumed = new Counter({
      name: 'kanshi_engine_records_consumed_total',
      help: 'Telemetry records read from Kafka in batches handled, before any filtering; a batch retried or redelivered counts its records once.',
      registers,
    });
    this.evaluated = new Counter({ name: 'kanshi_engine_events_evaluated_total', help: 'Telemetry events that reached rule evaluation.', registers });
    this.findings = new Counter({
      name: 'kanshi_engine_findings_total',
      help: "Findings raised, by rule id: a batch's distinct findings, each finding of a rule timer, and tenant quota breaches (Q1).",
      labelNames: ['rule'],
      registers,
      // Timer findings, kept by the evaluator since the last scrape (the rule clock has no metrics of its own).
      collect: () => {
        for (const [rule, count] of evaluator.takeTimerFindings()) this.findings.inc({ rule }, count);
      },
    });
    this.quotaRefusals = new Counter({
      name: 'kanshi_quota_refusals_total',
      help: 'Records refused (dead-lettered) because their tenant was over a quota, by quota.',
      labelNames: ['quota'],
      registers,
    });
    const lag: Gauge<'partition'> = new Gauge({
      name: 'kanshi_engine_consumer_lag',
      help: "Records behind the partition's log end (as read from Kafka about every second) after what the engine processed; only partitions this instance holds, from their first batch here.",
      labelNames: ['partition'],
      registers,
      collect: () => {
        lag.reset();
        for (const partition of progress.partitions()) {
          const behind = clocks.lagOf(partition);
          if (behind !== undefined) lag.set({ partition: String(partition) }, behind);
        }
      },
    });
    const assigned: Gauge = new Gauge({
      name: 'kanshi_engine_partitions_assigned',
      help: 'Partitions of the telemetry topic this instance holds now.',
      registers,
      collect: () => assigned.set(progress.held),
    });
    this.batchSeconds = new Histogram({
      name: 'kanshi_engine_batch_duration_seconds',
      help: 'Wall time of handling one telemetry batch, by outcome (a failed attempt is retried).',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.checkpointSeconds = new Histogram({
      name: 'kanshi_engine_checkpoint_duration_seconds',
      help: "Wall time of saving a partition's rule-state checkpoint.",
      buckets: DURATION_BUCKETS,
      registers,
    });
    const moduleSeconds: Counter<'module'> = new Counter({
      name: 'kanshi_engine_module_evaluation_seconds_total',
      help: "Time spent in each sector module's rules, by module id (events: estimated from a random one in 8; timers: all).",
      labelNames: ['module'],
      registers,
      // Kept by the evaluator since the last scrape: its hot path only adds to plain numbers.
      collect: () => {
        for (const [module, seconds] of evaluator.takeModuleSeconds()) if (seconds > 0) moduleSeconds.inc({ module }, seconds);
      },
    });
    // Every label value known now shows from the start, at 0, so a rate over it is defined.
    for (const reason of DEAD_LETTER_REASONS) this.deadLetters.inc({ reason }, 0);
    for (const rule of [...evaluator.ruleIds, QUOTA_RULE_ID]) this.findings.inc({ rule }, 0);
    for (const quota of ENGINE_QUOTAS) this.quotaRefusals.inc({ quota }, 0);
    for (const module of evaluator.moduleIds) moduleSeconds.inc({ module }, 0);
    for (const outcome of ['ok', 'failed'] satisfies BatchResult[]) this.batchSeconds.zero({ outcome });
  }

  /** Starts timing a batch; call the result once with how it ended. */
  startBatch(): (outcome: BatchResult) => void {
    const end = this.batchSeconds.startTimer();
    return (outcome) => void end({ outcome });
  }

  /** Times saving a checkpoint. */
  async timeCheckpoint<T>(save: () => Promise<T>): Promise<T> {
    const end = this.checkpointSeconds.startTimer();
    try {
      return await save();
    } finally {
      end();
    }
  }

  /**
   * A batch went through (its writes, checkpoint and offsets follow only a success, so a failed
   * attempt counts nothing): the records it read (past those its checkpoint already counted),
   * evaluated, refused and found. `raised` are all the alert jobs it enqueued, quota alerts included.
   */
  batchHandled(records: number, outcome: BatchOutcome, raised: readonly RaiseAlertJob[]): void {
    this.consumed.inc(records);
    this.evaluated.inc(outcome.evaluated);
    // Tallied first: a flood refuses thousands of records a batch, and each `inc` hashes its labels.
    const reasons = new Map<DeadLetterReason, number>();
    const quotas = new Map<EngineQuota, number>();
    for (const dead of outcome.deadLetters) {
      reasons.set(dead.reason, (reasons.get(dead.reason) ?? 0) + 1);
      if (dead.quota !== undefined) quotas.set(dead.quota, (quotas.get(dead.quota) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) this.deadLetters.inc({ reason }, count);
    for (const [quota, count] of quotas) this.quotaRefusals.inc({ quota }, count);
    for (const job of raised) this.findings.inc({ rule: job.rule_id }, job.findings.length);
    this.repartitioned(outcome.forwards.length, outcome.repartitionDuplicates, outcome.misplacedEvaluated);
  }

  private repartitioned(moved: number, duplicates: number, misplaced: number): void {
    if (moved > 0) this.moved.inc(moved);
    if (duplicates > 0) this.movedTwice.inc(duplicates);
    if (misplaced > 0) this.misplaced.inc(misplaced);
  }
}
