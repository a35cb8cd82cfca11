import { Registry } from 'prom-client';
import type { RaiseAlertJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import type { NotificationRepository } from '@kanshi/persistence';
import { HoldJobUntil, type AlertQueue } from '@kanshi/queue';
import { AlertWorkerMetrics } from '../alert-metrics';
import type { ChannelSender } from '../channels/channel-sender';
import type { DeliveryOutcome } from '../channels/notification-message';
import type { QuotaCounter } from '../quotas/quota-counter';
import { DeliverNotificationJobHandler } from './deliver-notification.job';

/**
 * The handler over fakes, with a notifications quota of 5 a minute; `fit` answers how many of the
 * wanted attempts the quota lets through; the sender answers `outcome`. Its metrics go to `registry`.
 */
function handlerWith(store: unknown, fit: (wanted: number) => number, sent: unknown[], raised: RaiseAlertJob[] = [], registry = new Registry(), outcome?: DeliveryOutcome) {
  return new DeliverNotificationJobHandler(
    store as NotificationRepository,
    { send: (...args: unknown[]) => Promise.resolve(void sent.push(args)).then(() => outcome) } as unknown as ChannelSender,
    loadConfig({ KANSHI_QUOTA_NOTIFICATIONS_PER_MINUTE: '5' }),
    { takeUpTo: (_tenant: string, quota: string, limit: number, wanted: number) => Promise.resolve(quota === 'notifications-per-minute' && limit === 5 ? fit(wanted) : wanted) } as unknown as QuotaCounter,
    { enqueue: (jobs: readonly RaiseAlertJob[]) => Promise.resolve(void raised.push(...jobs)) } as unknown as AlertQueue,
    new AlertWorkerMetrics(registry),
  );
}

/** A pending notification to a webhook channel that can be used. */
const deliverable = (id: string) => ({
  notification: { id, tenantId: 'acme', status: 'pending', kind: 'firing', level: 0, createdAt: new Date(), repeatAlertIds: [] },
  channel: { id: 'c-1', usable: true, name: 'hook', kind: 'webhook', sealError: null, config: { url: 'https://hooks.example.com/kanshi' }, secret: 'a-secret-of-16-chars-or-more' },
  alerts: [],
  silence: null,
});

describe('DeliverNotificationJobHandler: notification metrics', () => {
  const attempts = async (registry: Registry) =>
    (await registry.getSingleMetric('kanshi_notifications_total')?.get())?.values.filter((v) => v.value > 0).map((v) => [v.labels['channel'], v.labels['outcome'], v.value]);
  const store = {
    deliveryTargets: (ids: readonly string[]) => Promise.resolve(ids.map(deliverable)),
    recordAttempts: () => Promise.resolve(),
  };

  it('counts a delivered attempt by its channel’s kind', async () => {
    const registry = new Registry();
    const handler = handlerWith(store, (wanted) => wanted, [], [], registry, { ok: true, permanent: false, httpStatus: 200, error: null, durationMs: 12 });

    await handler.handle({ notification_id: 'n-1', tenant_id: 'acme' }, { jobId: 'j', attempt: 1, maxAttempts: 3 });

    expect(await attempts(registry)).toEqual([['webhook', 'delivered', 1]]);
  });

  it('counts every failed attempt, the ones retried as well as the last', async () => {
    const registry = new Registry();
    const handler = handlerWith(store, (wanted) => wanted, [], [], registry, { ok: false, permanent: false, httpStatus: 503, error: 'HTTP 503', durationMs: 40 });

    await expect(handler.handle({ notification_id: 'n-1', tenant_id: 'acme' }, { jobId: 'j', attempt: 1, maxAttempts: 2 })).rejects.toThrow(/attempt 1 of 2 failed/);
    await handler.handle({ notification_id: 'n-1', tenant_id: 'acme' }, { jobId: 'j', attempt: 2, maxAttempts: 2 });

    expect(await attempts(registry)).toEqual([['webhook', 'failed', 2]]);
  });

  it('counts an attempt the quota holds back as a quota refusal, not as a delivery', async () => {
    const registry = new Registry();
    const handler = handlerWith(store, () => 0, [], [], registry);

    await expect(handler.handle({ notification_id: 'n-1', tenant_id: 'acme' }, { jobId: 'j', attempt: 1, maxAttempts: 3 })).rejects.toBeInstanceOf(HoldJobUntil);

    expect(await attempts(registry)).toEqual([]);
    const text = await registry.metrics();
    expect(text).toContain('kanshi_quota_holds_total{quota="notifications-per-minute"} 1');
    expect(text).toContain('kanshi_quota_holds_total{quota="alert-creations-per-minute"} 0');
    expect(text).toContain('kanshi_notifications_total{channel="slack",outcome="delivered"} 0');
  });
});

describe('DeliverNotificationJobHandler and the notifications quota', () => {
  it('holds an attempt past the tenant’s notifications per minute until the next minute, sends nothing, records nothing, and raises the quota alert', async () => {
    const sent: unknown[] = [];
    const recorded: unknown[] = [];
    const raised: RaiseAlertJob[] = [];
    const store = {
      deliveryTargets: (ids: readonly string[]) => Promise.resolve(ids.map(() => ({ notification: { status: 'pending' } }))),
      recordAttempts: (records: readonly unknown[]) => Promise.resolve(void recorded.push(...records)),
    } as unknown as NotificationRepository;
    const handler = handlerWith(store, () => 0, sent, raised);

    const held = await handler.handle({ notification_id: 'n-1', tenant_id: 'acme' }, { jobId: 'j', attempt: 1, maxAttempts: 5 }).catch((error: unknown) => error);

    expect(held).toBeInstanceOf(HoldJobUntil);
    expect((held as HoldJobUntil).until % 60_000).toBe(0);
    expect((held as HoldJobUntil).until).toBeGreaterThan(Date.now());
    expect({ sent, recorded }).toEqual({ sent: [], recorded: [] });
    expect(raised).toEqual([expect.objectContaining({ tenant_id: 'acme', rule_id: 'Q1', scope: 'notifications-per-minute', args: { limit: 5 } })]);
  });

  it('reads the targets of deliveries running at once together, and lets through only as many of a tenant\'s as its quota has left', async () => {
    const read: (readonly string[])[] = [];
    const asked: number[] = [];
    const sent: unknown[] = [];
    const recorded: unknown[] = [];
    const store = {
      deliveryTargets: (ids: readonly string[]) => {
        read.push(ids);
        return Promise.resolve(ids.map((id) => ({ notification: { id, status: 'pending', kind: 'firing' }, channel: { usable: false, name: 'hook', kind: 'webhook', sealError: null } })));
      },
      recordAttempts: (records: readonly unknown[]) => Promise.resolve(void recorded.push(...records)),
    } as unknown as NotificationRepository;
    const handler = handlerWith(
      store,
      (wanted) => {
        asked.push(wanted);
        return 1;
      },
      sent,
    );

    const outcomes = await Promise.all(['n-1', 'n-2'].map((id) => handler.handle({ notification_id: id, tenant_id: 'acme' }, { jobId: id, attempt: 1, maxAttempts: 1 }).then(() => 'done', (error: unknown) => error)));

    expect(read).toEqual([['n-1', 'n-2']]);
    expect(asked).toEqual([2]);
    // The first fits (its channel is unusable: a final failed attempt is recorded); the second waits for the next minute.
    expect(outcomes[0]).toBe('done');
    expect(outcomes[1]).toBeInstanceOf(HoldJobUntil);
    expect(recorded).toEqual([expect.objectContaining({ notificationId: 'n-1', final: true })]);
  });
});
