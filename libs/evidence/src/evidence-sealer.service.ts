import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@kanshi/config';
import { EvidenceBundleRepository } from '@kanshi/persistence';
import { logEntry } from '@kanshi/runtime';
import { EvidenceLedger } from './evidence-ledger.service';

/** While sealing fails (PostgreSQL away), one warning this often. */
const WARN_EVERY_MS = 30_000;
/** How often a chain the sealer refuses to sign (broken) is logged again. */
const REFUSAL_LOG_EVERY_MS = 3_600_000;

/** Keys whose event is said at most once per `everyMs`; at most `max` remembered (the oldest forgotten). */
class ThrottledKeys {
  private readonly said = new Map<string, number>();

  constructor(
    private readonly everyMs: number,
    private readonly max: number,
  ) {}

  /** Whether `key`'s event should be said at `now` (and, if so, remembers it). */
  due(key: string, now: number): boolean {
    const last = this.said.get(key);
    if (last !== undefined && now - last < this.everyMs) return false;
    this.said.delete(key);
    if (this.said.size >= this.max) this.said.delete(this.said.keys().next().value as string);
    this.said.set(key, now);
    return true;
  }
}

/** How often the sealer looks for chains due a checkpoint (at most; more often when the interval is shorter). */
const CHECKPOINT_CHECK_MS = 60_000;

/**
 * The alert worker's side of the ledger: every `KANSHI_EVIDENCE_SEAL_INTERVAL_MS` it chains the
 * changes the triggers captured (a batch of each tenant's per pass, off the engine's and the
 * alert jobs' path), and
 * every `KANSHI_EVIDENCE_CHECKPOINT_INTERVAL_MS` it signs a checkpoint of each chain that grew
 * since its last checkpoint (looked up in the database, so restarts do not postpone it), and
 * deletes the bundles made through the API once they expire.
 * Several workers may run it: they take turns per tenant on the chain's head.
 */
@Injectable()
export class EvidenceSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EvidenceSealer.name);
  private timer: NodeJS.Timeout | undefined;
  /** Sealing and checkpointing run apart: a checkpoint pass over many tenants never holds back chaining. */
  private sealing: Promise<void> | undefined;
  private checkpointing: Promise<void> | undefined;
  private stopped = false;
  private lastWarning = 0;
  private lastCheckpointCheck = 0;
  /** A broken chain is logged once an hour, not at every check. */
  private readonly refusals = new ThrottledKeys(REFUSAL_LOG_EVERY_MS, 10_000);

  constructor(
    private readonly ledger: EvidenceLedger,
    private readonly config: AppConfig,
    private readonly bundles: EvidenceBundleRepository,
  ) {}

  onApplicationBootstrap(): void {
    // A tenant whose changes cannot be chained is passed over, and said (at most every WARN_EVERY_MS).
    this.ledger.onSealFailures = (failures, count) => {
      const now = Date.now();
      if (now - this.lastWarning < WARN_EVERY_MS) return;
      this.lastWarning = now;
      this.logger.warn(`${count} batch(es) of evidence not chained, kept for the next pass: ${failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ').slice(0, 500)}`);
    };
    this.timer = setInterval(() => void this.pass(), this.config.values.evidenceSealIntervalMs);
    this.timer.unref();
  }

  /** Seals what waits, and starts signing checkpoints when they are due. Never throws; one of each at a time. */
  pass(now = Date.now()): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // Sweeps of a batch of each tenant's, for up to a pass's interval: what a quiet tenant does is
    // chained within a sweep or two however much another has waiting, and a busy one as fast as
    // the database allows (one sweep per pass would cap it at a batch per interval).
    this.sealing ??= this.guarded(now, 'evidence not sealed, kept for the next pass', () =>
      this.ledger.sealFor(this.config.values.evidenceSealIntervalMs, () => this.stopped),
    ).finally(
      () => (this.sealing = undefined),
    );
    // Due by the last checkpoint stored, not by this process's uptime: a worker restarted more
    // often than the interval still signs on time.
    const interval = this.config.values.evidenceCheckpointIntervalMs;
    if (!this.checkpointing && now - this.lastCheckpointCheck >= Math.min(interval, CHECKPOINT_CHECK_MS)) {
      this.lastCheckpointCheck = now;
      this.checkpointing = this.guarded(now, 'evidence checkpoints not signed, tried again at the next check', async () => {
        const { refused } = await this.ledger.checkpoint(new Date(now), { signedBefore: new Date(now - interval), stop: () => this.stopped });
        for (const { tenantId, problem } of refused) {
          if (!this.refusals.due(tenantId, now)) continue;
          this.logger.error(
            logEntry(`no checkpoint signed for tenant ${tenantId}: ${problem.message}; run npm run evidence -- verify --tenant ${tenantId} (said again in an hour while it lasts)`, { tenant: tenantId }),
          );
        }
        // Bundles made through the API are kept for KANSHI_EVIDENCE_BUNDLE_TTL_HOURS.
        await this.bundles.expire(new Date(now));
      }).finally(() => (this.checkpointing = undefined));
    }
    return this.sealing;
  }

  /** Runs `work`, logging a failure at most every {@link WARN_EVERY_MS}. */
  private async guarded(now: number, what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now;
        this.logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.sealing, this.checkpointing]);
  }
}
