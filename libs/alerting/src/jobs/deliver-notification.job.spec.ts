import type { RaiseAlertJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import type { NotificationRepository } from '@kanshi/persistence';
import { HoldJobUntil, type AlertQueue } from '@kanshi/queue';
import type { ChannelSender } from '../channels/channel-sender';
import type { QuotaCounter } from '../quotas/quota-counter';
import { DeliverNotificationJobHandler } from './deliver-notification.job';

describe('DeliverNotificationJobHandler and the notifications quota', () => {
  it('holds an attempt past the tenant’s notifications per minute until the next minute, sends nothing, records nothing, and raises the quota alert', async () => {
    const sent: unknown[] = [];
    const recorded: unknown[] = [];
    const raised: RaiseAlertJob[] = [];
    const store = {
      deliveryTarget: () => Promise.resolve({ notification: { status: 'pending' } }),
      recordAttempt: (...args: unknown[]) => Promise.resolve(void recorded.push(args)),
    } as unknown as NotificationRepository;
    const handler = new DeliverNotificationJobHandler(
      store,
      { send: (...args: unknown[]) => Promise.resolve(void sent.push(args)) } as unknown as ChannelSender,
      loadConfig({ KANSHI_QUOTA_NOTIFICATIONS_PER_MINUTE: '5' }),
      { take: (_tenant: string, quota: string, limit: number) => Promise.resolve(!(quota === 'notifications-per-minute' && limit === 5)) } as unknown as QuotaCounter,
      { enqueue: (jobs: readonly RaiseAlertJob[]) => Promise.resolve(void raised.push(...jobs)) } as unknown as AlertQueue,
    );

    const held = await handler.handle({ notification_id: 'n-1', tenant_id: 'acme' }, { jobId: 'j', attempt: 1, maxAttempts: 5 }).catch((error: unknown) => error);

    expect(held).toBeInstanceOf(HoldJobUntil);
    expect((held as HoldJobUntil).until % 60_000).toBe(0);
    expect((held as HoldJobUntil).until).toBeGreaterThan(Date.now());
    expect({ sent, recorded }).toEqual({ sent: [], recorded: [] });
    expect(raised).toEqual([expect.objectContaining({ tenant_id: 'acme', rule_id: 'Q1', scope: 'notifications-per-minute', args: { limit: 5 } })]);
  });
});
