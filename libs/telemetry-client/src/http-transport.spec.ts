import { telemetryKey } from '@kanshi/contracts';
import { RetryableTransportError, TerminalTransportError } from './errors';
import { telemetryEvents } from './event-builders';
import { GatewayTransport, telemetryEndpoint } from './http-transport';
import type { OutgoingEvent } from './transport';

const API_KEY = 'kanshi_0123456789ab_abcdefghijklmnopqrstuvwxyzABCDEF';
const NOW = Date.parse('2026-03-02T00:00:00Z');

function outgoing(count: number): OutgoingEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const event = telemetryEvents.prediction({ tenant_id: 'acme', model_id: 'credit', event_id: `e-${i}`, payload: { score: i } });
    const value = JSON.stringify(event);
    return { event, key: telemetryKey('acme', 'credit'), value, bytes: Buffer.byteLength(value) };
  });
}

interface Call {
  readonly url: string;
  readonly init: RequestInit;
}

function gateway(answer: () => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = jest.fn((url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    calls.push({ url: url instanceof URL ? url.href : typeof url === 'string' ? url : url.url, init: init ?? {} });
    return Promise.resolve(answer());
  });
  return { calls, transport: new GatewayTransport({ url: 'http://127.0.0.1:3001', apiKey: API_KEY, fetch: fetch as typeof globalThis.fetch }, () => NOW) };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the send to fail');
}

describe('telemetryEndpoint', () => {
  it('appends /v1/telemetry to a base URL and keeps a full one', () => {
    expect(String(telemetryEndpoint('http://127.0.0.1:3001'))).toBe('http://127.0.0.1:3001/v1/telemetry');
    expect(String(telemetryEndpoint('https://kanshi.example/ingest'))).toBe('https://kanshi.example/ingest/v1/telemetry');
    expect(String(telemetryEndpoint('http://gw:3001/v1/telemetry'))).toBe('http://gw:3001/v1/telemetry');
    expect(() => telemetryEndpoint('ftp://gw')).toThrow(/http/);
  });
});

describe('GatewayTransport', () => {
  it('posts the batch as {"events": [...]} with the bearer key and maps each result', async () => {
    const { calls, transport } = gateway(() =>
      json(202, {
        accepted: 2,
        rejected: 1,
        results: [
          { index: 0, event_id: 'e-0', status: 'accepted' },
          { index: 1, event_id: 'e-1', status: 'rejected', errors: [{ pointer: '/payload/score', rule: 'type', message: 'must be number' }] },
          { index: 2, event_id: 'e-2', status: 'accepted' },
        ],
      }),
    );
    const batch = outgoing(3);
    const outcomes = await transport.send(batch);
    expect(outcomes).toEqual([
      { status: 'accepted' },
      { status: 'rejected', errors: [{ pointer: '/payload/score', rule: 'type', message: 'must be number' }] },
      { status: 'accepted' },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('http://127.0.0.1:3001/v1/telemetry');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.headers).toMatchObject({ authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' });
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ events: batch.map((e) => e.event) });
  });

  it('turns a 400 where every event was refused into per-event rejections, not an error', async () => {
    const { transport } = gateway(() =>
      json(400, {
        title: 'No event was valid',
        status: 400,
        accepted: 0,
        rejected: 2,
        results: [
          { index: 0, event_id: 'e-0', status: 'rejected', errors: [{ pointer: '/tenant_id', rule: 'pattern', message: 'bad' }] },
          { index: 1, event_id: 'e-1', status: 'rejected', errors: [{ pointer: '', rule: 'maxBytes', message: 'too big' }] },
        ],
      }),
    );
    const outcomes = await transport.send(outgoing(2));
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.errors[0]?.rule : o.status))).toEqual(['pattern', 'maxBytes']);
  });

  it('retries 503 with the Retry-After it gave (seconds or a date), and 429 and other 5xx', async () => {
    const down = await failure(gateway(() => json(503, { title: 'Service Unavailable', detail: 'Kafka did not accept the events.' }, { 'retry-after': '5' })).transport.send(outgoing(1)));
    expect(down).toBeInstanceOf(RetryableTransportError);
    expect(down).toMatchObject({ retryAfterMs: 5000, message: expect.stringContaining('503: Kafka did not accept the events.') });
    const limited = await failure(gateway(() => json(429, { title: 'Too Many Requests' }, { 'retry-after': 'Mon, 02 Mar 2026 00:00:12 GMT' })).transport.send(outgoing(1)));
    expect(limited).toMatchObject({ name: 'RetryableTransportError', retryAfterMs: 12_000 });
    const crashed = await failure(gateway(() => new Response('upstream broke', { status: 502 })).transport.send(outgoing(1)));
    expect(crashed).toMatchObject({ name: 'RetryableTransportError', retryAfterMs: undefined, message: expect.stringContaining('502: upstream broke') });
  });

  it('retries network errors', async () => {
    const { transport } = gateway(() => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:3001') });
    });
    const error = await failure(transport.send(outgoing(1)));
    expect(error).toBeInstanceOf(RetryableTransportError);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it.each([
    [401, 'Unauthorized'],
    [403, 'events[0].tenant_id is "other" but the API key belongs to tenant "acme". Nothing was accepted.'],
    [415, 'Send telemetry as Content-Type: application/json.'],
  ])('does not retry %i, and says why without the API key', async (status, detail) => {
    const error = await failure(gateway(() => json(status, { title: 'x', detail })).transport.send(outgoing(2)));
    expect(error).toBeInstanceOf(TerminalTransportError);
    expect(error).toMatchObject({ status, batchTooLarge: false });
    expect(error.message).toContain(detail);
    expect(error.message).not.toContain(API_KEY);
  });

  it('asks for a split on 413 when the batch has more than one event', async () => {
    const answer = () => json(413, { detail: 'The batch has 2 events; the limit is 1. Split it.' });
    expect(await failure(gateway(answer).transport.send(outgoing(2)))).toMatchObject({ status: 413, batchTooLarge: true });
    expect(await failure(gateway(answer).transport.send(outgoing(1)))).toMatchObject({ status: 413, batchTooLarge: false });
  });

  it('refuses to start without an API key', () => {
    expect(() => new GatewayTransport({ url: 'http://127.0.0.1:3001', apiKey: '' })).toThrow(/API key/);
  });
});
