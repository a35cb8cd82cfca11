import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { EmailTarget } from '../channels/email.sender';
import { sendEmail } from '../channels/email.sender';
import { sampleMessage } from '../channels/notification-message.fixture';
import { sendSlack } from '../channels/slack.sender';
import { sendWebhook, type WebhookTarget } from '../channels/webhook.sender';
import { OutboundGuard, systemResolver, type ResolvedAddress, type Resolver } from './outbound-guard';
import { OutboundPolicy } from './outbound-policy';

// The senders against real sockets on this machine: what the guard refuses never reaches them.

const message = sampleMessage({ id: '7c0f4a8e-1b2d-4e3f-9a5b-6c7d8e9f0a1b', tenant_id: 'tenant-outbound' });
const SECRET = 'whsec-outbound-int-test-0123456789';
const ALLOWLIST_HINT = '(set KANSHI_OUTBOUND_ALLOWLIST to allow it)';

/** A TCP service standing in for Redis or Kafka on loopback: it answers like Redis and counts who connects. */
class InternalService {
  connections = 0;
  private readonly sockets: Socket[] = [];
  private readonly server: TcpServer = createTcpServer((socket) => {
    this.connections += 1;
    this.sockets.push(socket);
    socket.end('-ERR wrong number of arguments for command\r\n$6\r\nsecret\r\n');
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An HTTP receiver on loopback that records each request's headers. */
class Receiver {
  readonly received: IncomingHttpHeaders[] = [];
  private readonly server: HttpServer = createHttpServer((req, res) => {
    this.received.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A resolver whose answers a test sets, counting how often it is asked. */
class ScriptedResolver {
  readonly answers = new Map<string, ResolvedAddress[]>();
  calls = 0;
  readonly resolve: Resolver = (hostname) => {
    this.calls += 1;
    const found = this.answers.get(hostname);
    return found ? Promise.resolve(found) : Promise.reject(Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' }));
  };
}

const webhook = (url: string): WebhookTarget => ({ kind: 'webhook', config: { url, timeout_ms: 3000, max_attempts: 3, backoff_ms: 1000 }, secret: SECRET });
const email = (host: string, port: number): EmailTarget => ({
  kind: 'email',
  config: { to: ['risk@bank.example'], from: 'kanshi@bank.example', host, port, secure: false, timeout_ms: 3000, max_attempts: 3, backoff_ms: 1000 },
  secret: null,
});

describe('outbound guard (real sockets on loopback)', () => {
  const service = new InternalService();
  const receiver = new Receiver();
  let servicePort = 0;
  let receiverPort = 0;
  const byDefault = new OutboundGuard(new OutboundPolicy(), systemResolver);

  beforeAll(async () => {
    servicePort = await service.start();
    receiverPort = await receiver.start();
  });

  afterAll(async () => {
    await Promise.all([service.stop(), receiver.stop()]);
  });

  it('refuses a webhook, a Slack URL and an SMTP server aimed at a local service, which sees no connection', async () => {
    for (const url of [
      `http://127.0.0.1:${servicePort}/`,
      `http://127.0.0.1:${servicePort}/hook?x=1`,
      `https://127.0.0.1:${servicePort}/`,
      `http://[::ffff:127.0.0.1]:${servicePort}/`,
      `http://2130706433:${servicePort}/`,
      `http://0.0.0.0:${servicePort}/`,
    ]) {
      const outcome = await sendWebhook(message, webhook(url), byDefault);
      expect({ url, outcome }).toMatchObject({ url, outcome: { ok: false, permanent: true, httpStatus: null } });
      expect(outcome.error).toMatch(/^refused: (127\.0\.0\.1|::ffff:7f00:1|0\.0\.0\.0) is (a loopback|an unspecified)/);
      expect(outcome.error).toContain(ALLOWLIST_HINT);
    }
    const loopback = await sendWebhook(message, webhook(`http://127.0.0.1:${servicePort}/`), byDefault);
    expect(loopback.error).toBe(`refused: 127.0.0.1 is a loopback address ${ALLOWLIST_HINT}`);

    const localhost = await sendWebhook(message, webhook(`http://localhost:${servicePort}/`), byDefault);
    expect(localhost).toMatchObject({ ok: false, permanent: true });
    expect(localhost.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);

    const slack = await sendSlack(message, { kind: 'slack', config: { timeout_ms: 3000, max_attempts: 3, backoff_ms: 1000 }, secret: `http://127.0.0.1:${servicePort}/services/T0/B0/t0k3n` }, byDefault);
    expect(slack).toMatchObject({ ok: false, permanent: true, error: `refused: 127.0.0.1 is a loopback address ${ALLOWLIST_HINT}` });

    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const smtp = await sendEmail(message, email(host, servicePort), byDefault);
      expect(smtp).toMatchObject({ ok: false, permanent: true });
      expect(smtp.error).toMatch(/^refused: .*a loopback address/);
    }

    expect(service.connections).toBe(0);
  });

  it('refuses the cloud metadata address in every spelling', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/latest/meta-data/', 'http://0xa9.0xfe.0xa9.0xfe/', 'http://2852039166/']) {
      const outcome = await sendWebhook(message, webhook(url), byDefault);
      expect({ url, outcome }).toMatchObject({ url, outcome: { ok: false, permanent: true, httpStatus: null } });
      expect(outcome.error).toContain('the cloud metadata address (link-local)');
    }
    expect(await sendEmail(message, email('169.254.169.254', 25), byDefault)).toMatchObject({
      permanent: true,
      error: `refused: 169.254.169.254 is the cloud metadata address (link-local) ${ALLOWLIST_HINT}`,
    });
  });

  it('checks the address when it connects: a name that resolved to a public address when saved and to 127.0.0.1 when used is refused', async () => {
    const dns = new ScriptedResolver();
    const guard = new OutboundGuard(new OutboundPolicy(), dns.resolve);
    dns.answers.set('hooks.rebind.test', [{ address: '93.184.215.14', family: 4 }]);
    dns.answers.set('smtp.rebind.test', [{ address: '93.184.215.14', family: 4 }]);
    // When the channel is saved, the names look public.
    expect(await guard.refusalFor('hooks.rebind.test')).toBeNull();
    expect(await guard.refusalFor('smtp.rebind.test')).toBeNull();

    // Then they are pointed at this machine.
    dns.answers.set('hooks.rebind.test', [{ address: '127.0.0.1', family: 4 }]);
    dns.answers.set('smtp.rebind.test', [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const callsBefore = dns.calls;
    const hook = await sendWebhook(message, webhook(`http://hooks.rebind.test:${servicePort}/hook`), guard);
    const smtp = await sendEmail(message, email('smtp.rebind.test', servicePort), guard);

    expect(hook).toMatchObject({ ok: false, permanent: true, error: `refused: hooks.rebind.test resolves to 127.0.0.1, a loopback address ${ALLOWLIST_HINT}` });
    expect(smtp).toMatchObject({ ok: false, permanent: true, error: `refused: smtp.rebind.test resolves to 127.0.0.1, a loopback address ${ALLOWLIST_HINT}` });
    expect(dns.calls).toBe(callsBefore + 2);
    expect(service.connections).toBe(0);
  });

  it('delivers to a loopback receiver the allowlist names, by address or by host name', async () => {
    const byAddress = new OutboundGuard(new OutboundPolicy(['127.0.0.1/32']), systemResolver);
    expect(await sendWebhook(message, webhook(`http://127.0.0.1:${receiverPort}/hook`), byAddress)).toMatchObject({ ok: true, httpStatus: 204 });
    // The allowlist names 127.0.0.1 only: the rest of loopback stays refused.
    expect((await sendWebhook(message, webhook(`http://127.0.0.2:${receiverPort}/hook`), byAddress)).error).toContain('refused: 127.0.0.2 is a loopback address');

    const dns = new ScriptedResolver();
    dns.answers.set('alerts.corp.test', [{ address: '127.0.0.1', family: 4 }]);
    const byName = new OutboundGuard(new OutboundPolicy(['*.corp.test']), dns.resolve);
    expect(await sendWebhook(message, webhook(`http://alerts.corp.test:${receiverPort}/hook`), byName)).toMatchObject({ ok: true, httpStatus: 204 });
    expect(receiver.received.map((h) => h.host)).toEqual([`127.0.0.1:${receiverPort}`, `alerts.corp.test:${receiverPort}`]);
  });

  it('reports a name that does not resolve as retryable', async () => {
    const guard = new OutboundGuard(new OutboundPolicy(), new ScriptedResolver().resolve);
    expect(await sendWebhook(message, webhook('http://nowhere.invalid/hook'), guard)).toMatchObject({ ok: false, permanent: false, error: 'network error (ENOTFOUND)' });
    expect(await sendEmail(message, email('nowhere.invalid', 25), guard)).toMatchObject({ ok: false, permanent: false, error: 'SMTP: DNS lookup failed (ENOTFOUND)' });
  });
});
