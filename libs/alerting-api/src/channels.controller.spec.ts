import { BadRequestException } from '@nestjs/common';
import type { Principal } from '@kanshi/auth';
import { loadConfig } from '@kanshi/config';
import type { ChannelChanges, ChannelRecord, ChannelRepository, NewChannel } from '@kanshi/persistence';
import { OutboundGuard, OutboundPolicy, type ResolvedAddress } from '@kanshi/alerting';
import { ChannelsController } from './channels.controller';

const principal: Principal = { tenantId: 'tenant-a', keyId: '0123456789ab', keyName: 'admin key', roles: ['admin'] };
const ALLOWLIST_HINT = '(set KANSHI_OUTBOUND_ALLOWLIST to allow it)';

/** A repository in memory: enough for the controller, which is what is tested. */
class MemoryChannels {
  readonly created: NewChannel[] = [];
  readonly updated: ChannelChanges[] = [];
  private record(c: NewChannel): ChannelRecord {
    const now = new Date('2026-12-01T00:00:00Z');
    return { id: '3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f', tenantId: principal.tenantId, name: c.name, kind: c.kind, config: { ...c.config }, enabled: c.enabled, secretSet: c.secret !== null, createdBy: c.createdBy, createdAt: now, updatedAt: now };
  }
  create(_tenantId: string, c: NewChannel): Promise<ChannelRecord> {
    this.created.push(c);
    return Promise.resolve(this.record(c));
  }
  get(): Promise<ChannelRecord | null> {
    return Promise.resolve(this.created[0] ? this.record(this.created[0]) : null);
  }
  update(_tenantId: string, _id: string, changes: ChannelChanges): Promise<ChannelRecord | null> {
    this.updated.push(changes);
    return this.get();
  }
}

function controllerWith(answers: Record<string, readonly ResolvedAddress[]>, allowlist: readonly string[] = [], env: Record<string, string> = {}) {
  const asked: string[] = [];
  const resolver = (host: string) => {
    asked.push(host);
    const found = answers[host];
    return found ? Promise.resolve(found) : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
  };
  const channels = new MemoryChannels();
  const controller = new ChannelsController(channels as unknown as ChannelRepository, new OutboundGuard(new OutboundPolicy(allowlist), resolver), loadConfig(env));
  return { controller, channels, asked };
}

async function problemOf(pending: Promise<unknown>): Promise<{ errors: { field: string; message: string }[] }> {
  try {
    await pending;
  } catch (error) {
    if (error instanceof BadRequestException) return error.getResponse() as { errors: { field: string; message: string }[] };
    throw error;
  }
  throw new Error('expected a 400');
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const SECRET = 'whsec-0123456789abcdef';

describe('ChannelsController: where a channel may send', () => {
  it('refuses a webhook at a literal internal address, naming config.url and the allowlist setting', async () => {
    const { controller, channels } = controllerWith({});
    for (const [url, what] of [
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is the cloud metadata address (link-local)'],
      ['http://127.0.0.1:6379/', '127.0.0.1 is a loopback address'],
      ['http://[::ffff:127.0.0.1]:9092/', '::ffff:7f00:1 is a loopback address in IPv6 form (127.0.0.1)'],
      ['https://10.0.0.8/hook', '10.0.0.8 is a private address'],
    ] as const) {
      const problem = await problemOf(controller.create(principal, { name: 'x', kind: 'webhook', config: { url }, secret: SECRET }));
      expect(problem.errors).toEqual([{ field: 'config.url', message: `refused: ${what} ${ALLOWLIST_HINT}` }]);
    }
    expect(channels.created).toEqual([]);
  });

  it('refuses a host name that resolves to an internal address, for each kind, by the field that sets it', async () => {
    const { controller } = controllerWith({
      'hooks.internal.test': [v4('93.184.215.14'), v4('10.0.0.5')],
      'smtp.internal.test': [v4('192.168.1.25')],
      'slack.internal.test': [{ address: 'fd00::1', family: 6 }],
    });

    expect((await problemOf(controller.create(principal, { name: 'x', kind: 'webhook', config: { url: 'https://hooks.internal.test/h' }, secret: SECRET }))).errors).toEqual([
      { field: 'config.url', message: `refused: hooks.internal.test resolves to 10.0.0.5, a private address ${ALLOWLIST_HINT}` },
    ]);
    expect(
      (await problemOf(controller.create(principal, { name: 'x', kind: 'email', config: { to: ['a@bank.example'], from: 'k@bank.example', host: 'smtp.internal.test' } }))).errors,
    ).toEqual([{ field: 'config.host', message: `refused: smtp.internal.test resolves to 192.168.1.25, a private address ${ALLOWLIST_HINT}` }]);
    const slack = await problemOf(controller.create(principal, { name: 'x', kind: 'slack', secret: 'https://slack.internal.test/services/T0/B0/s3cr3t-t0k3n' }));
    expect(slack.errors).toEqual([{ field: 'secret', message: `refused: slack.internal.test resolves to fd00::1, a unique-local address ${ALLOWLIST_HINT}` }]);
    expect(JSON.stringify(slack)).not.toContain('s3cr3t-t0k3n');
  });

  it('creates a channel whose host the allowlist names, or that does not resolve yet', async () => {
    const { controller, channels } = controllerWith({ 'alerts.corp.test': [v4('10.20.0.4')] }, ['*.corp.test']);
    await controller.create(principal, { name: 'corp', kind: 'webhook', config: { url: 'https://alerts.corp.test/hook' }, secret: SECRET });
    await controller.create(principal, { name: 'later', kind: 'webhook', config: { url: 'https://not-yet.example/hook' }, secret: SECRET });
    expect(channels.created.map((c) => c.name)).toEqual(['corp', 'later']);
  });

  it('checks on a change only the destination the change sets', async () => {
    const { controller, channels, asked } = controllerWith({ 'hooks.example': [v4('93.184.215.14')] });
    await controller.create(principal, { name: 'ops', kind: 'webhook', config: { url: 'https://hooks.example/h' }, secret: SECRET });
    asked.length = 0;

    await controller.patch(principal, 'id', { name: 'ops-2', config: { timeout_ms: 5000 } });
    expect(asked).toEqual([]);
    expect((await problemOf(controller.patch(principal, 'id', { config: { url: 'http://100.64.1.1/h' } }))).errors).toEqual([
      { field: 'config.url', message: `refused: 100.64.1.1 is a carrier-grade NAT address ${ALLOWLIST_HINT}` },
    ]);
    expect(channels.updated).toHaveLength(1);
  });
});

describe('ChannelsController: recipients of an email channel', () => {
  const mail = (count: number) => ({
    name: 'mail',
    kind: 'email',
    config: { to: Array.from({ length: count }, (_, i) => `officer-${i}@bank.example`), from: 'kanshi@bank.example', host: '93.184.215.14' },
  });

  it('refuses more than KANSHI_QUOTA_CHANNEL_RECIPIENTS (50 by default), naming config.to and the setting', async () => {
    const { controller, channels } = controllerWith({});
    await controller.create(principal, mail(50));
    expect((await problemOf(controller.create(principal, mail(51)))).errors).toEqual([
      { field: 'config.to', message: '51 recipients, over the most a channel may have, 50 (KANSHI_QUOTA_CHANNEL_RECIPIENTS)' },
    ]);
    expect(channels.created).toHaveLength(1);
  });

  it('takes the quota from the configuration', async () => {
    const { controller } = controllerWith({}, [], { KANSHI_QUOTA_CHANNEL_RECIPIENTS: '3' });
    await controller.create(principal, mail(3));
    expect((await problemOf(controller.create(principal, mail(4)))).errors[0]?.field).toBe('config.to');
    expect((await problemOf(controller.patch(principal, 'id', { config: { to: mail(4).config.to } }))).errors[0]?.field).toBe('config.to');
  });
});
