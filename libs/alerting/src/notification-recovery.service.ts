import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { NotificationRepository } from '@kanshi/persistence';
import { AlertFollowUps } from './alert-follow-ups.service';

/** Stored more than this long ago and still pending: its delivery job may have been lost. */
const STALE_PENDING_MS = 60_000;
const RECOVERY_LIMIT = 1000;

/**
 * At worker boot, re-queues what a crash (or a Redis that lost its data) may have dropped
 * between PostgreSQL and the queue: notifications stored but never sent, and firing alerts
 * never notified. The deterministic job ids make this a no-op when nothing was lost.
 */
@Injectable()
export class NotificationRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationRecovery.name);

  constructor(
    private readonly store: NotificationRepository,
    private readonly followUps: AlertFollowUps,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: the workers start at once, and a slow scan never delays them.
    this.recover().catch((error: unknown) => this.logger.error(`recovery at boot failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  async recover(): Promise<void> {
    const pending = await this.store.pendingDeliveries(STALE_PENDING_MS, RECOVERY_LIMIT);
    await this.followUps.deliver(pending);
    const unnotified = await this.store.unnotifiedAlerts(RECOVERY_LIMIT);
    for (const { tenantId, alertId } of unnotified) await this.followUps.afterAlertChange(tenantId, alertId);
    if (pending.length + unnotified.length > 0) {
      this.logger.log(`re-queued ${pending.length} pending notification(s) and checked ${unnotified.length} alert(s) not yet notified`);
    }
  }
}
