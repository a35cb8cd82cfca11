import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundGuard } from '../outbound/outbound-guard';
import { OutboundPolicy } from '../outbound/outbound-policy';
import { sendEmail, type EmailTarget } from './email.sender';
import type { DeliveryOutcome } from './notification-message';
import { sampleAlert, sampleMessage } from './notification-message.fixture';
import { emailContent } from './render';

// Against a real SMTP server: Debian's python3-aiosmtpd, with a handler that writes every
// message it accepts, raw and with its envelope, to a file this test reads back. It listens on
// loopback, which is refused by default: allowlisted here.
const guard = new OutboundGuard(new OutboundPolicy(['127.0.0.1/32']));

const PYTHON = '/usr/bin/python3';
const HANDLER_MODULE = 'kanshi_smtp_capture';
const HANDLER = `
import json, os, uuid

class Capture:
    """Stores each message with its envelope; refuses recipients at reject.invalid, defers those at defer.invalid."""

    def __init__(self, out_dir):
        self.out_dir = out_dir

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith('@reject.invalid'):
            return '550 5.1.1 No such mailbox'
        if address.lower().endswith('@defer.invalid'):
            return '451 4.3.0 Try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        record = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'data': envelope.original_content.decode('utf-8', 'replace'),
        }
        name = uuid.uuid4().hex
        # Written aside, then renamed: a reader never sees half a message.
        with open(os.path.join(self.out_dir, name + '.tmp'), 'w') as f:
            json.dump(record, f)
        os.rename(os.path.join(self.out_dir, name + '.tmp'), os.path.join(self.out_dir, name + '.json'))
        return '250 OK: queued as ' + name
`;

interface Captured {
  readonly mail_from: string;
  readonly rcpt_tos: string[];
  readonly data: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the server sends its 220 greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('220')));
    socket.once('error', () => done(false));
  });
}

async function startSmtpServer(port: number, outDir: string, moduleDir: string): Promise<ChildProcess> {
  const child = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', `${HANDLER_MODULE}.Capture`, outDir], {
    env: { ...process.env, PYTHONPATH: moduleDir, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await greets(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(
    `The SMTP server (${PYTHON} -m aiosmtpd) did not start on port ${port}. It comes from Debian's python3-aiosmtpd, ` +
      `which scripts/test.sh installs ('apt-get install python3-aiosmtpd'). Its output:\n${stderr}`,
  );
}

/** Decodes RFC 2047 encoded words; adjacent ones are joined before decoding, as a character may span two. */
function decodeHeader(value: string): string {
  const joined = value.replace(/\?=\s+=\?/g, '?==?');
  return joined.replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=)+/g, (run) => {
    const bytes: Buffer[] = [];
    for (const [, , encoding, text] of run.matchAll(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g)) {
      if (encoding === undefined || text === undefined) continue;
      bytes.push(encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' ')));
    }
    return Buffer.concat(bytes).toString('utf8');
  });
}

function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(soft.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

interface MimePart {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
  }
  return headers;
}

/** The leaf parts of a message, bodies decoded. Enough MIME for what nodemailer writes. */
function leafParts(raw: string): MimePart[] {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    return sections.filter((s) => !s.startsWith('--')).flatMap((s) => leafParts(s.replace(/^\r?\n/, '')));
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body).toString('utf8')
        : body;
  return [{ headers, body: decoded }];
}

function part(parts: readonly MimePart[], type: string): string {
  const found = parts.find((p) => (p.headers.get('content-type') ?? '').toLowerCase().startsWith(type));
  if (!found) throw new Error(`no ${type} part`);
  return found.body;
}

const message = sampleMessage({
  id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  tenant_id: 'tenant-int',
  kind: 'reminder',
  alerts: [
    sampleAlert({
      id: 'a-77',
      url: 'https://kanshi.example.com/alerts/a-77',
      status: 'acknowledged',
      args: { max_psi: 0.2 },
      occurrence_count: 6,
      assignee: '佐藤 (risk)',
    }),
  ],
});

describe('sendEmail (real SMTP server)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'kanshi-smtp-'));
  const outDir = join(workDir, 'received');
  let server: ChildProcess | null = null;
  let port = 0;

  function target(overrides: Partial<EmailTarget['config']> = {}, secret: string | null = null): EmailTarget {
    return {
      kind: 'email',
      config: {
        to: ['risk-officer@example.com', 'compliance@example.com'],
        from: 'kanshi@example.com',
        host: '127.0.0.1',
        port,
        secure: false,
        timeout_ms: 5000,
        max_attempts: 3,
        backoff_ms: 100,
        ...overrides,
      },
      secret,
    };
  }

  function received(): Set<string> {
    return new Set(readdirSync(outDir).filter((f) => f.endsWith('.json')));
  }

  async function sendAndCapture(t: EmailTarget): Promise<{ outcome: DeliveryOutcome; captured: Captured }> {
    const before = received();
    const outcome = await sendEmail(message, t, guard);
    const added = [...received()].filter((f) => !before.has(f));
    expect(added).toHaveLength(1);
    return { outcome, captured: JSON.parse(readFileSync(join(outDir, added[0] ?? ''), 'utf8')) as Captured };
  }

  beforeAll(async () => {
    writeFileSync(join(workDir, `${HANDLER_MODULE}.py`), HANDLER);
    mkdirSync(outDir);
    port = await freePort();
    server = await startSmtpServer(port, outDir, workDir);
  });

  afterAll(async () => {
    const child = server;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('delivers a message a risk officer can act on, in text and HTML', async () => {
    const { outcome, captured } = await sendAndCapture(target());
    expect(outcome).toMatchObject({ ok: true, permanent: false, httpStatus: null, error: null });
    expect(captured.mail_from).toBe('kanshi@example.com');
    expect(captured.rcpt_tos).toEqual(['risk-officer@example.com', 'compliance@example.com']);

    const split = captured.data.search(/\r?\n\r?\n/);
    const headers = parseHeaders(captured.data.slice(0, split));
    expect(decodeHeader(headers.get('subject') ?? '')).toBe('[Kanshi] Reminder: HIGH F3 Drift beyond threshold — model credit-v3');
    expect(decodeHeader(headers.get('subject') ?? '')).toBe(emailContent(message).subject);
    expect(headers.get('from')).toBe('kanshi@example.com');
    expect(headers.get('to')).toBe('risk-officer@example.com, compliance@example.com');
    expect(headers.get('x-kanshi-notification-id')).toBe(message.id);
    expect(headers.get('message-id')).toBe(`<kanshi-notification.${message.id}@example.com>`);

    const parts = leafParts(captured.data);
    const text = part(parts, 'text/plain');
    const html = part(parts, 'text/html');
    for (const body of [text, html]) {
      expect(body).toContain('Reminder: the deadline of this alert is approaching');
      expect(body).toContain('credit-v3');
      expect(body).toContain('production');
      expect(body).toContain('F3');
      expect(body).toContain('Drift beyond threshold');
      expect(body).toContain('FSA Model Risk Management Principles, Principle 5');
      expect(body).toContain('max_psi = 0.2');
      expect(body).toContain('2026-03-05 00:00 UTC (09:00 JST)');
      expect(body).toContain('https://kanshi.example.com/alerts/a-77');
      expect(body).toContain('佐藤 (risk)');
    }
    expect(html).toContain('<a href="https://kanshi.example.com/alerts/a-77">');
  });

  it('gives a resend the same Message-ID', async () => {
    const first = await sendAndCapture(target());
    const second = await sendAndCapture(target());
    const id = (c: Captured): string | undefined => parseHeaders(c.data.slice(0, c.data.search(/\r?\n\r?\n/))).get('message-id');
    expect(id(first.captured)).toBe(id(second.captured));
  });

  it('counts a message some recipients got as delivered, naming the refused ones', async () => {
    const { outcome, captured } = await sendAndCapture(target({ to: ['risk-officer@example.com', 'nobody@reject.invalid'] }));
    expect(outcome.ok).toBe(true);
    expect(outcome.error).toContain('nobody@reject.invalid');
    expect(captured.rcpt_tos).toEqual(['risk-officer@example.com']);
  });

  it('treats a 5xx refusal of every recipient as permanent and a 4xx one as retryable', async () => {
    const before = received().size;
    const refused = await sendEmail(message, target({ to: ['nobody@reject.invalid'] }), guard);
    expect(refused).toMatchObject({ ok: false, permanent: true, httpStatus: null });
    expect(refused.error).toBe('SMTP 550 (EENVELOPE)');
    const deferred = await sendEmail(message, target({ to: ['later@defer.invalid'] }), guard);
    expect(deferred).toMatchObject({ ok: false, permanent: false, httpStatus: null });
    expect(deferred.error).toBe('SMTP 451 (EENVELOPE)');
    expect(received().size).toBe(before);
  });

  it('treats a refused connection as retryable', async () => {
    const outcome = await sendEmail(message, target({ port: await freePort() }), guard);
    expect(outcome).toMatchObject({ ok: false, permanent: false, httpStatus: null });
    expect(outcome.error).toBe('SMTP: network error (ECONNREFUSED)');
  });

  it('gives up on a server that never greets after about timeout_ms, as retryable', async () => {
    const sockets: Socket[] = [];
    const mute: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const outcome = await sendEmail(message, target({ port: (mute.address() as AddressInfo).port, timeout_ms: 300 }), guard);
      expect(outcome).toMatchObject({ ok: false, permanent: false, httpStatus: null });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('sends without logging in when the server offers no AUTH', async () => {
    const { outcome } = await sendAndCapture(target({ username: 'kanshi' }, 'smtp-p4ssw0rd-int-test'));
    expect(outcome).toMatchObject({ ok: true, error: null });
  });

  it('treats a refused login as permanent and keeps only its status line, never the server’s words', async () => {
    const password = 'smtp-p4ssw0rd-int-test';
    // A scripted SMTP server that offers AUTH and refuses it, quoting the credentials back.
    const sockets: Socket[] = [];
    const smtp: Server = createServer((socket) => {
      sockets.push(socket);
      socket.write('220 fake.test ESMTP\r\n');
      let buffer = '';
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const verb = line.split(' ')[0]?.toUpperCase();
          if (verb === 'EHLO') socket.write('250-fake.test\r\n250 AUTH PLAIN LOGIN\r\n');
          else if (verb === 'AUTH') {
            const credentials = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8').split('\0').join(' ');
            socket.write(`535 5.7.8 Authentication failed for${credentials}\r\n`);
          } else if (verb === 'QUIT') socket.end('221 Bye\r\n');
          else socket.write('502 5.5.2 Not implemented\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    try {
      const outcome = await sendEmail(message, target({ port: (smtp.address() as AddressInfo).port, username: 'kanshi' }, password), guard);
      expect(outcome).toMatchObject({ ok: false, permanent: true, httpStatus: null });
      // The status line only: the server's words (which quote the password here) are never kept.
      expect(outcome.error).toBe('SMTP 535 (EAUTH)');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });
});
