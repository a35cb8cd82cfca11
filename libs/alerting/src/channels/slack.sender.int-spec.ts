import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundGuard } from '../outbound/outbound-guard';
import { OutboundPolicy } from '../outbound/outbound-policy';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { sendSlack, type SlackTarget } from './slack.sender';

// Against a real HTTP server standing in for Slack's incoming-webhook endpoint, on loopback,
// which is refused by default: allowlisted here.
const guard = new OutboundGuard(new OutboundPolicy(['127.0.0.1/32']));

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const WEBHOOK_PATH = '/services/T0KANSHI/B0INTTEST/s3cr3tT0k3nXyZ123';

const servers: Server[] = [];

async function startSlack(handler: Handler): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, received };
}

function target(url: string, timeoutMs = 5000): SlackTarget {
  return { kind: 'slack', config: { timeout_ms: timeoutMs, max_attempts: 3, backoff_ms: 100 }, secret: url };
}

const message: NotificationMessage = {
  id: '5d1e9b0a-2c3f-4a7b-9e8d-0f1a2b3c4d5e',
  tenant_id: 'tenant-int',
  kind: 'escalation',
  level: 1,
  created_at: '2026-03-02T09:31:00.000Z',
  alerts: [
    {
      id: 'a-9',
      url: 'https://kanshi.example.com/alerts/a-9',
      status: 'open',
      severity: 'critical',
      rule_id: 'M1',
      title: 'Adverse event signal <above> limit & rising',
      source: 'PMD Act Article 68-10',
      sector: 'medical',
      model_id: 'triage-v2',
      scope: 'production',
      observed: 12,
      args: { max_events: 5 },
      occurrence_count: 3,
      first_seen_at: '2026-03-01T08:00:00.000Z',
      last_seen_at: '2026-03-02T09:30:00.000Z',
      due_at: null,
      escalation_level: 1,
      assignee: 'tanaka',
      repeat: true,
    },
  ],
  silence: null,
};

/** What no outcome of a Slack send may contain: the URL is the credential. */
function assertNoUrl(outcome: DeliveryOutcome, url: string): void {
  for (const leak of [url, WEBHOOK_PATH, WEBHOOK_PATH.slice(1), 's3cr3tT0k3nXyZ123']) expect(outcome.error ?? '').not.toContain(leak);
}

describe('sendSlack (real HTTP server)', () => {
  afterAll(async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  });

  it('POSTs the Block Kit payload to the webhook URL', async () => {
    const slack = await startSlack((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
    const outcome = await sendSlack(message, target(slack.url), guard);

    expect(outcome).toMatchObject({ ok: true, permanent: false, httpStatus: 200, error: null });
    const [request] = slack.received;
    if (!request) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.path).toBe(WEBHOOK_PATH);
    expect(request.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(request.body) as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    expect(payload.text).toBe('[Kanshi] Escalation L1: CRITICAL M1 Adverse event signal &lt;above&gt; limit &amp; rising — model triage-v2');
    expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Kanshi: Alert escalated' } });
    const sections = payload.blocks.filter((b) => b.type === 'section').map((b) => b.text);
    expect(sections.every((t) => t?.type === 'mrkdwn')).toBe(true);
    const markdown = sections.map((t) => t?.text ?? '').join('\n');
    expect(markdown).toContain('Escalated to level 1: this alert was not acknowledged in time.');
    expect(markdown).toContain('*<https://kanshi.example.com/alerts/a-9|CRITICAL M1 Adverse event signal &lt;above&gt; limit &amp; rising>*');
    expect(markdown).toContain('*Source:* PMD Act Article 68-10');
    expect(markdown).toContain('*Model:* triage-v2');
  });

  it('reports a rejected payload as permanent, with its status line only', async () => {
    // Slack answers 404 no_service for a revoked webhook; an echoed path must not leak either.
    const slack = await startSlack((req, res) => res.writeHead(404).end(`no_service ${req.url ?? ''}`));
    const outcome = await sendSlack(message, target(slack.url), guard);
    expect(outcome).toMatchObject({ ok: false, permanent: true, httpStatus: 404 });
    expect(outcome.error).toBe('HTTP 404 Not Found');
    assertNoUrl(outcome, slack.url);
  });

  it('reports rate limiting and server errors as retryable without the URL', async () => {
    for (const status of [429, 500]) {
      const slack = await startSlack((_req, res) => res.writeHead(status).end('rate_limited'));
      const outcome = await sendSlack(message, target(slack.url), guard);
      expect(outcome).toMatchObject({ ok: false, permanent: false, httpStatus: status });
      assertNoUrl(outcome, slack.url);
    }
  });

  it('reports a timeout and a refused connection as retryable without the URL', async () => {
    const silent = await startSlack(() => undefined);
    const timedOut = await sendSlack(message, target(silent.url, 200), guard);
    expect(timedOut).toMatchObject({ ok: false, permanent: false, httpStatus: null });
    expect(timedOut.error).toBe('no answer within 200 ms');
    assertNoUrl(timedOut, silent.url);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
    const refused = await sendSlack(message, target(url), guard);
    expect(refused).toMatchObject({ ok: false, permanent: false, httpStatus: null });
    expect(refused.error).toBe('network error (ECONNREFUSED)');
    assertNoUrl(refused, url);
  });

  it('reports an invalid URL as permanent without quoting it', async () => {
    for (const url of ['not a url/services/s3cr3tT0k3nXyZ123', 'data:text/plain,s3cr3tT0k3nXyZ123']) {
      const outcome = await sendSlack(message, target(url), guard);
      expect(outcome).toMatchObject({ ok: false, permanent: true, httpStatus: null, error: 'the URL is not a valid http(s) URL' });
    }
  });
});
