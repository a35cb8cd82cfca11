import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JOBS } from '@kanshi/contracts';
import { OutboxRepository, SilenceRepository, type OutboxEntry, type OutboxListener } from '@kanshi/persistence';
import { JobQueue } from '@kanshi/queue';
import { AlertFollowUps } from './alert-follow-ups.service';

/** How often the relay looks for entries nobody announced to it (left by an outage, or while it was not listening). */
const POLL_MS = 1000;
/** Entries per transaction. */
const BATCH = 500;
/** While relaying fails (Redis away), one warning this often. */
const WARN_EVERY_MS = 30_000;

/**
 * Relays the outbox (see `OutboxRepository`): schedules the follow-ups of every alert and silence
 * whose change committed, and the job of every evidence bundle asked for, and deletes their entries once Redis has the jobs. Kicked right after a
 * commit of this process, by the API's announcements (PostgreSQL NOTIFY on a connection of its
 * own), and every second for the rest: a Redis outage right after a commit, or a silence changed
 * through the API while Redis was away, is caught up within a second of Redis coming back, not
 * at the next boot. Every follow-up's job id is derived from the stored state,
 * so relaying an entry twice (a crash between scheduling and deleting) schedules nothing twice.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failingSince: number | undefined;
  private lastWarning = 0;
  private listener: OutboxListener | undefined;
  private listening: Promise<void> | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly followUps: AlertFollowUps,
    private readonly silences: SilenceRepository,
    private readonly queue: JobQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      void this.listen();
      void this.kick();
    }, POLL_MS);
    this.timer.unref();
    void this.listen();
    void this.kick();
  }

  /** Listens for announced entries, again after the connection broke; the poll covers the gap. Never throws. */
  private listen(): Promise<void> {
    if (this.stopped || this.listening || (this.listener && !this.listener.broken)) return this.listening ?? Promise.resolve();
    this.listener?.close();
    this.listener = undefined;
    this.listening = this.outbox
      .listen(() => void this.kick())
      .then(
        (listener) => {
          if (this.stopped) listener.close();
          else this.listener = listener;
        },
        () => undefined,
      )
      .finally(() => (this.listening = undefined));
    return this.listening;
  }

  /** Relays what waits now, and once more if kicked meanwhile. Never throws (a failure is retried at the next poll). */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.drain();
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.outbox.relay(BATCH, (entries) => this.schedule(entries))) > 0) {
        // more may wait
      }
      if (this.failingSince !== undefined) {
        this.logger.log(`outbox relayed again after ${Math.round((Date.now() - this.failingSince) / 1000)} s of failures`);
        this.failingSince = undefined;
      }
    } catch (error) {
      const now = Date.now();
      this.failingSince ??= now;
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now;
        this.logger.warn(`outbox not relayed, kept for the next try: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private async schedule(entries: readonly OutboxEntry[]): Promise<void> {
    const alertsByTenant = new Map<string, string[]>();
    for (const e of entries) {
      if (e.kind !== 'alert') continue;
      const ids = alertsByTenant.get(e.tenantId);
      if (ids) ids.push(e.subjectId);
      else alertsByTenant.set(e.tenantId, [e.subjectId]);
    }
    await Promise.all([...alertsByTenant].map(([tenantId, ids]) => this.followUps.afterAlertsChange(tenantId, ids)));
    for (const e of entries) {
      if (e.kind !== 'silence') continue;
      const silence = await this.silences.get(e.tenantId, e.subjectId);
      if (silence) await this.followUps.afterSilenceChange(e.tenantId, silence);
    }
    const bundles = entries.filter((e) => e.kind === 'evidence-bundle');
    if (bundles.length > 0) {
      await this.queue.add(bundles.map((e) => ({ name: JOBS.exportBundle, id: `evidence-bundle-${e.subjectId}`, data: { tenant_id: e.tenantId, bundle_id: e.subjectId } })));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listening;
    this.listener?.close();
    await this.running;
  }
}
