import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundGuard } from '../outbound/outbound-guard';
import { OutboundPolicy } from '../outbound/outbound-policy';
import { ChannelSender } from './channel-sender';
import type { DeliveryOutcome } from './notification-message';
import { sampleAlert, sampleMessage } from './notification-message.fixture';
import { webhookBody } from './render';
import { verifySignature } from './signature';
import { sendWebhook, type WebhookTarget } from './webhook.sender';

// Against a real HTTP server on the loopback interface: what goes over the wire is what a
// receiver gets. Loopback is refused by default; these receivers are allowlisted here.
const guard = new OutboundGuard(new OutboundPolicy(['127.0.0.1/32']));

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function startReceiver(handler: Handler): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/kanshi?tenant=t1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        // Requests left hanging on purpose must not keep the server (or Jest) alive.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const secret = 'whsec-int-test-5f1d2c9a8b7e';

function target(url: string, timeoutMs = 5000): WebhookTarget {
  return { kind: 'webhook', config: { url, timeout_ms: timeoutMs, max_attempts: 3, backoff_ms: 100 }, secret };
}

const message = sampleMessage({
  id: '0b6c7a52-3f0e-4e5b-8d61-6a1f5e2c9d10',
  tenant_id: 'tenant-int',
  alerts: [sampleAlert({ args: { max_psi: 0.2 }, occurrence_count: 2 })],
});

describe('sendWebhook (real HTTP server)', () => {
  const outcomes: DeliveryOutcome[] = [];
  const receivers: Receiver[] = [];

  async function receiver(handler: Handler): Promise<Receiver> {
    const r = await startReceiver(handler);
    receivers.push(r);
    return r;
  }

  async function send(url: string, timeoutMs?: number): Promise<DeliveryOutcome> {
    const outcome = await sendWebhook(message, target(url, timeoutMs), guard);
    outcomes.push(outcome);
    return outcome;
  }

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    // Whatever went wrong, no error may quote the secret.
    expect(outcomes.length).toBeGreaterThan(0);
    for (const outcome of outcomes) expect(outcome.error ?? '').not.toContain(secret);
  });

  it('POSTs the signed JSON body with the idempotency key', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    const before = Math.floor(Date.now() / 1000);
    const outcome = await send(r.url);

    expect(outcome).toMatchObject({ ok: true, permanent: false, httpStatus: 204, error: null });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.received).toHaveLength(1);
    const [request] = r.received;
    if (!request) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/kanshi?tenant=t1');
    expect(request.body).toBe(webhookBody(message));
    expect(JSON.parse(request.body)).toMatchObject({ type: 'kanshi.notification', version: 1, id: message.id, kind: 'firing' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('kanshi-notifier/1');
    expect(request.headers['idempotency-key']).toBe(message.id);

    const signature = request.headers['x-kanshi-signature'];
    const timestamp = Number(request.headers['x-kanshi-timestamp']);
    expect(typeof signature).toBe('string');
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(signature).toMatch(new RegExp(`^t=${timestamp},v1=[0-9a-f]{64}$`));
    expect(verifySignature(secret, String(signature), request.body)).toBe(true);
    expect(verifySignature('some-other-secret', String(signature), request.body)).toBe(false);
    expect(verifySignature(secret, String(signature), request.body.replace('credit-v3', 'credit-v4'))).toBe(false);
  });

  it('treats 5xx, 408 and 429 as retryable, reporting their status line and no byte of the answer', async () => {
    for (const [status, line] of [
      [500, 'HTTP 500 Internal Server Error'],
      [503, 'HTTP 503 Service Unavailable'],
      [408, 'HTTP 408 Request Timeout'],
      [429, 'HTTP 429 Too Many Requests'],
    ] as const) {
      const r = await receiver((_req, res) => res.writeHead(status, 'Custom Reason From Receiver', { 'Content-Type': 'text/plain' }).end(`-ERR internal ${'x'.repeat(5000)}`));
      const outcome = await send(r.url);
      expect(outcome).toMatchObject({ ok: false, permanent: false, httpStatus: status, error: line });
    }
  });

  it('treats other 4xx, and a redirect it does not follow, as permanent', async () => {
    for (const status of [400, 401, 404, 410]) {
      const r = await receiver((_req, res) => res.writeHead(status).end('{"error":"bad"}'));
      expect(await send(r.url)).toMatchObject({ ok: false, permanent: true, httpStatus: status });
    }
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const redirect = await receiver((_req, res) => res.writeHead(307, { Location: target.url }).end());
    expect(await send(redirect.url)).toMatchObject({ ok: false, permanent: true, httpStatus: 307 });
    expect(target.received).toHaveLength(0);
  });

  it('never quotes the secret, nor anything else the receiver answers', async () => {
    const r = await receiver((_req, res) => res.writeHead(401).end(`wrong key ${secret}`));
    const outcome = await send(r.url);
    expect(outcome).toMatchObject({ ok: false, permanent: true, httpStatus: 401, error: 'HTTP 401 Unauthorized' });
  });

  it('gives up on a receiver that never answers after about timeout_ms, as retryable', async () => {
    const r = await receiver(() => undefined);
    const started = Date.now();
    const outcome = await send(r.url, 300);
    const took = Date.now() - started;
    expect(outcome).toMatchObject({ ok: false, permanent: false, httpStatus: null });
    expect(outcome.error).toContain('no answer within 300 ms');
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect(r.received).toHaveLength(1);
  });

  it('is what ChannelSender sends for a webhook channel', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end('ok'));
    const outcome = await new ChannelSender(guard).send(message, target(r.url));
    outcomes.push(outcome);
    expect(outcome).toMatchObject({ ok: true, httpStatus: 200 });
    expect(r.received[0]?.headers['idempotency-key']).toBe(message.id);
  });

  it('treats a refused connection as retryable', async () => {
    const port = await closedPort();
    const outcome = await send(`http://127.0.0.1:${port}/hook`);
    expect(outcome).toMatchObject({ ok: false, permanent: false, httpStatus: null });
    expect(outcome.error).toContain('ECONNREFUSED');
  });
});
