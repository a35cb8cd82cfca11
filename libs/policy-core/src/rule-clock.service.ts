import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AlertQueue } from '@kanshi/queue';
import { keepLatestVerdict, ruleVerdictKey, TOPICS } from '@kanshi/contracts';
import { TopicLogEnds } from '@kanshi/messaging';
import { LogDigest, OutageLog } from '@kanshi/runtime';
import { InventoryCache } from './inventory-cache.service';
import { PartitionClocks } from './partition-clocks';
import type { RuleVerdict } from './model-inventory';
import { FindingCollector, PolicyEvaluator } from './policy-evaluator';

/** How often the engine fires the rules' due timers (window closes, deadlines, absence checks). */
export const RULE_CLOCK_INTERVAL_MS = 1000;

/** Most timer verdicts kept through a PostgreSQL outage. */
const MAX_PENDING_VERDICTS = 10_000;

/** Longest a tick waits for the telemetry topic's log ends before it goes on with the last ones read. */
const LOG_ENDS_WAIT_MS = 2000;

/**
 * Drives the rules' timers with the wall clock: every second, fires the timers now due and
 * enqueues what they found. A tick that fails (Redis down) keeps its findings for the next tick
 * rather than losing them. Each tick first reads where the telemetry partitions end, so that a
 * partition with records waiting (its batches failing through an outage, or queued behind one
 * that is) runs on its event time, not the wall clock (see {@link PartitionClocks}).
 */
@Injectable()
export class RuleClock implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RuleClock.name);
  /** A broken timer rule fails for every model at every tick: one line every 10 s, with counts and a sample. */
  private readonly ruleFailureLog = new LogDigest((line) => this.logger.error(line), (n) => `${n} rule timer failure${n === 1 ? '' : 's'}`);
  /** Through a Redis outage every tick fails: logged sparingly. */
  private readonly outage = new OutageLog(this.logger, 'enqueueing the alert jobs of rule timers');
  private readonly verdictOutage = new OutageLog(this.logger, 'recording the verdicts of rule timers');
  /** Verdicts not yet written (PostgreSQL away), the latest per rule, model and scope; bounded. */
  private pendingVerdicts = new Map<string, RuleVerdict>();
  private timer: NodeJS.Timeout | undefined;
  private pending = new FindingCollector();
  private running: Promise<void> | undefined;

  constructor(
    private readonly evaluator: PolicyEvaluator,
    private readonly inventory: InventoryCache,
    private readonly alerts: AlertQueue,
    private readonly clocks: PartitionClocks,
    private readonly logEnds: TopicLogEnds,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick(Date.now()).finally(() => (this.running = undefined));
    }, RULE_CLOCK_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.ruleFailureLog.flush();
    clearInterval(this.timer);
    await this.running;
  }

  /** Fires the timers due by `now` and enqueues the findings; resolves when they are queued. */
  async tick(now: number): Promise<void> {
    // Unreadable (Kafka away or slow): the last ends read stand; nothing new arrives meanwhile.
    const ends = await this.logEnds.readWithin(TOPICS.telemetry, LOG_ENDS_WAIT_MS);
    if (ends) this.clocks.observeLogEnds(ends);
    this.evaluator.tick(
      now,
      (tenantId, modelId) => this.inventory.get(tenantId, modelId),
      this.pending,
      (owner) => this.clocks.clockOf(owner, now),
    );
    for (const failure of this.pending.failures) this.ruleFailureLog.add(`${failure.moduleId}/${failure.ruleId}`, 1, `on ${failure.trigger}: ${String(failure.error)}`);
    const jobs = this.pending.toJobs();
    const clears = this.pending.toClearJobs();
    // Verdicts (for the posture) are written apart from the alert jobs: an outage of either
    // holds back only its own, and each is tried again at the next tick.
    await this.recordVerdicts(this.pending.toVerdicts());
    if (jobs.length === 0 && clears.length === 0) {
      this.pending = new FindingCollector();
      return;
    }
    try {
      await this.alerts.enqueue(jobs, clears);
      this.pending = new FindingCollector();
      this.outage.succeeded();
    } catch (error) {
      // Keep the findings: the next tick enqueues them again (job ids are deterministic).
      this.pending.output.failures.length = 0;
      this.outage.failed(new Error(`${jobs.length} jobs kept for the next tick: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private async recordVerdicts(fresh: readonly RuleVerdict[]): Promise<void> {
    for (const v of fresh) keepLatestVerdict(this.pendingVerdicts, v);
    if (this.pendingVerdicts.size === 0) return;
    // Through a long outage the newest verdicts are kept; older ones are dropped (the posture
    // shows the next window's verdict instead), never memory without bound.
    while (this.pendingVerdicts.size > MAX_PENDING_VERDICTS) this.pendingVerdicts.delete(this.pendingVerdicts.keys().next().value as string);
    const batch = [...this.pendingVerdicts.values()];
    try {
      await this.inventory.recordRuleVerdicts(batch);
      for (const v of batch) if (this.pendingVerdicts.get(ruleVerdictKey(v)) === v) this.pendingVerdicts.delete(ruleVerdictKey(v));
      this.verdictOutage.succeeded();
    } catch (error) {
      this.verdictOutage.failed(new Error(`${batch.length} verdicts kept for the next tick: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}
