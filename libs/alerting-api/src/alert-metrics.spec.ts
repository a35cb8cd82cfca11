import { ConflictException, NotFoundException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AlertMetrics } from '@kanshi/alerting';
import type { Principal } from '@kanshi/auth';
import type { AlertCommandResult, AlertEntity, AlertRepository, AlertWrites, NotificationRepository, SilenceEntity, SilenceRepository } from '@kanshi/persistence';
import { AlertsController } from './alerts.controller';
import { SilencesController } from './silences.controller';

const principal: Principal = { tenantId: 'tenant-a', keyId: '0123456789ab', keyName: 'risk key', roles: ['risk_officer'] };
const AT = new Date('2026-12-07T09:00:00Z');
const ALERT_ID = '3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f';

/** The transitions counted, those above 0. */
async function transitions(registry: Registry): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric('kanshi_alert_transitions_total')?.get())?.values ?? [];
  return Object.fromEntries(values.filter((v) => v.value > 0).map((v) => [String(v.labels['transition']), v.value]));
}

describe('AlertsController: people’s commands counted once committed', () => {
  const alert = { id: ALERT_ID, firstSeenAt: AT, lastSeenAt: AT, openedAt: AT, createdAt: AT, updatedAt: AT, dueAt: null, reportSubmittedAt: null, acknowledgedAt: AT, resolvedAt: null, clearSince: null, notifiedAt: null } as unknown as AlertEntity;

  function controllerAnswering(result: AlertCommandResult) {
    const registry = new Registry();
    const reads = { history: () => Promise.resolve([]) } as unknown as AlertRepository;
    const writes = { apply: () => Promise.resolve(result) } as unknown as AlertWrites;
    return { registry, controller: new AlertsController(reads, writes, {} as NotificationRepository, new AlertMetrics(registry)) };
  }

  it('counts an applied command by its name in the state machine', async () => {
    const { registry, controller } = controllerAnswering({ outcome: 'applied', alert });

    await controller.ack(principal, ALERT_ID, {});
    await controller.ack(principal, ALERT_ID, { comment: 'on it' });
    await controller.resolve(principal, ALERT_ID, {});
    await controller.reopen(principal, ALERT_ID, {});
    await controller.comment(principal, ALERT_ID, { comment: 'noted' });

    expect(await transitions(registry)).toEqual({ acknowledge: 2, resolve: 1, reopen: 1, comment: 1 });
  });

  it('counts nothing the state machine refused or that found no alert', async () => {
    const conflict = controllerAnswering({ outcome: 'conflict', message: 'the alert is already acknowledged', status: 'acknowledged' });
    await expect(conflict.controller.ack(principal, ALERT_ID, {})).rejects.toBeInstanceOf(ConflictException);
    const missing = controllerAnswering({ outcome: 'not-found' });
    await expect(missing.controller.resolve(principal, ALERT_ID, {})).rejects.toBeInstanceOf(NotFoundException);

    expect(await transitions(conflict.registry)).toEqual({});
    expect(await transitions(missing.registry)).toEqual({});
    expect(await conflict.registry.metrics()).toContain('kanshi_alert_transitions_total{transition="acknowledge"} 0');
  });
});

describe('SilencesController: the alerts a new silence silences counted once committed', () => {
  it('counts each alert the silence in force silenced as it was created', async () => {
    const registry = new Registry();
    const silence = { id: 's-1', severities: [], sectors: [], modelIds: ['credit'], ruleIds: [], reason: 'retraining', startsAt: AT, endsAt: new Date(AT.getTime() + 3_600_000), createdBy: 'api-key:0123456789ab', createdByName: 'risk key', createdAt: AT, updatedAt: AT } as unknown as SilenceEntity;
    const silences = { create: () => Promise.resolve({ silence, silencedAlertIds: ['a1', 'a2', 'a3'] }) } as unknown as SilenceRepository;
    const controller = new SilencesController(silences, new AlertMetrics(registry));

    const view = await controller.create(principal, { matchers: { model_ids: ['credit'] }, reason: 'retraining', ends_at: new Date(Date.now() + 3_600_000).toISOString() });

    expect(view.id).toBe('s-1');
    expect(await transitions(registry)).toEqual({ silence: 3 });
  });
});
